import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';
import { loadSessionSecret, SECRET_FILE } from './secret.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swsync-secret-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('loadSessionSecret', () => {
  it('prefers SESSION_SECRET', async () => {
    expect(await loadSessionSecret({ envSecret: 'from-env-0123456789', dataDir: dir })).toBe(
      'from-env-0123456789',
    );
  });

  it('generates a secret once, keeps it in DATA_DIR, and reuses it', async () => {
    const dataDir = join(dir, 'nested');
    const first = await loadSessionSecret({ dataDir });
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect((await readFile(join(dataDir, SECRET_FILE), 'utf8')).trim()).toBe(first);
    expect(await loadSessionSecret({ dataDir })).toBe(first);
  });
});

describe('readConfig', () => {
  it('defaults: port 8787, .data, embedded store', () => {
    const config = readConfig({});
    expect(config).toMatchObject({
      port: 8787,
      databaseUrl: undefined,
      sessionSecret: undefined,
      secureCookie: false,
    });
    expect(readConfig({ SECURE_COOKIE: '1' }).secureCookie).toBe(true);
    expect(config.dataDir).toBe(join(process.cwd(), '.data'));
    expect(config.staticRoot).toMatch(/demo[/\\]dist[/\\]?$/);
  });

  it('reads PORT, DATA_DIR, DATABASE_URL and SESSION_SECRET', () => {
    const config = readConfig({
      PORT: '9000',
      DATA_DIR: '/tmp/x',
      DATABASE_URL: 'postgres://h/db',
      SESSION_SECRET: 's',
    });
    expect(config).toMatchObject({
      port: 9000,
      dataDir: '/tmp/x',
      databaseUrl: 'postgres://h/db',
      sessionSecret: 's',
    });
    expect(() => readConfig({ PORT: 'abc' })).toThrow(/PORT/);
  });
});
