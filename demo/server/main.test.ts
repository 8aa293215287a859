import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  type TestDatabase,
  testDatabaseUrl,
} from '../../server/testing/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Starts `demo/server/main.ts` exactly as `npm start` does, on a free port. */
function start(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=swsync-source', '--import', 'tsx', 'demo/server/main.ts'],
    {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 40 s:\n${output}`)), 40_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${match[1]}`, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

async function exercise(url: string): Promise<void> {
  const health = await fetch(`${url}/api/health`);
  expect(await health.json()).toEqual({ ok: true });
  const login = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'ada' }),
  });
  const { token } = (await login.json()) as { token: string };
  const pull = await fetch(`${url}/api/sync/pull`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{}',
  });
  expect(pull.status).toBe(200);
  // The poke stream is open while SIGTERM arrives: shutdown must not wait for it.
  const events = await fetch(`${url}/api/sync/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(events.status).toBe(200);
  void events.body
    ?.getReader()
    .read()
    .catch(() => {});
}

describe('npm start (demo/server/main.ts)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'swsync-main-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('serves on the embedded store in DATA_DIR and exits cleanly on SIGTERM', async () => {
    const { child, url } = await start({ DATA_DIR: dataDir, SESSION_SECRET: '' });
    try {
      await exercise(url);
    } finally {
      expect(await stop(child)).toBe(0);
    }
    expect(existsSync(join(dataDir, 'session-secret'))).toBe(true);
    expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
  });
});

describe.skipIf(!testDatabaseUrl())('npm start with DATABASE_URL', () => {
  let dataDir: string;
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'swsync-main-pg-'));
  });
  afterAll(async () => {
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves on PostgreSQL', async () => {
    const { child, url, output } = await start({ DATA_DIR: dataDir, DATABASE_URL: database.url });
    try {
      await exercise(url);
      expect(output()).toContain('store: PostgreSQL');
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });
});
