import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogWithRecord, PullResponse } from 'swsync/schema';
import { openPGliteStore } from 'swsync/server';
import { createDemoApp } from '../../demo/server/app.ts';
import { bundle } from '../support/bundle.ts';
import { startFixtureServer } from '../support/fixture-server.ts';

const fixtures = new URL('../page-sdk/fixtures/', import.meta.url).pathname;

export interface EngineFixture {
  url: string;
  /** Signs a user in through the demo API; returns the bearer token and user id. */
  login(user: string): Promise<{ userId: string; token: string }>;
  /** Every current record of the user, read through the sync API as a second client would. */
  serverRecords(token: string): Promise<LogWithRecord[]>;
  close(): Promise<void>;
}

/**
 * The demo server (real routes, real PGlite store) serving the SDK fixture page and the real
 * worker host (`installSyncWorker` with the engine) at `/sw.js`.
 */
export async function startEngineFixture(): Promise<EngineFixture> {
  const [page, worker] = await Promise.all([
    bundle(`${fixtures}fixture-page.ts`),
    bundle(`${fixtures}engine-worker.ts`),
  ]);
  const store = await openPGliteStore();
  const emptyRoot = await mkdtemp(join(tmpdir(), 'swsync-e2e-'));
  const app = await createDemoApp({
    store,
    sessionSecret: 'e2e-session-secret-0123456789',
    staticRoot: emptyRoot,
  });
  const server = await startFixtureServer(
    {
      '/': {
        body: '<!doctype html><meta charset="utf-8"><title>engine</title><script src="/page.js"></script>',
        type: 'text/html',
      },
      '/page.js': { body: page, type: 'text/javascript' },
      '/sw.js': { body: worker, type: 'text/javascript' },
    },
    app.fetch,
  );
  const api = (path: string, body: unknown, token?: string) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
  return {
    url: server.url,
    async login(user) {
      return (await (await api('/api/login', { user })).json()) as {
        userId: string;
        token: string;
      };
    },
    async serverRecords(token) {
      const entries: LogWithRecord[] = [];
      let cursor: string | null = null;
      for (;;) {
        const page = (await (
          await api('/api/sync/pull', { lastChangelogId: cursor, limit: 1000 }, token)
        ).json()) as PullResponse;
        entries.push(...page.logsWithRecords);
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
      return entries.filter((e) => e.record !== null);
    },
    async close() {
      await server.close();
      await store.close();
      await rm(emptyRoot, { recursive: true, force: true });
    },
  };
}
