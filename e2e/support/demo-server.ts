import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogWithRecord, OutboxEvent, PullResponse, PushResult } from 'swsync/schema';
import { openPGliteStore } from 'swsync/server';
import { createDemoApp } from '../../demo/server/app.ts';
import { type StaticFile, startFixtureServer } from './fixture-server.ts';

export interface DemoServer {
  url: string;
  /** Signs a user in through the demo API: a second client of that user, outside the browser. */
  login(user: string): Promise<{ userId: string; token: string }>;
  /** Every current record of the token's user, read through the sync API. */
  serverRecords(token: string): Promise<LogWithRecord[]>;
  /** Pushes events as the token's user, as another device would. */
  push(token: string, events: OutboxEvent[]): Promise<PushResult[]>;
  /**
   * An outage: while `status` is set, every request whose path starts with `paths` (default the
   * sync routes, `/api/sync/`), from the browser or from `push`/`serverRecords`, is answered
   * with it and a JSON error body and is not served; `null` ends it. Other routes keep working.
   */
  fail(status: number | null, paths?: string): void;
  /**
   * Holds every sync answer `ms` after the server made it (the request is applied, its answer
   * comes late), so a test can act while requests are in flight; `null` ends it.
   */
  delayAnswers(ms: number | null): void;
  /** The paths of the sync requests the outage refused so far, oldest first. */
  readonly refused: readonly string[];
  close(): Promise<void>;
}

/** Where the sync routes are mounted: the default outage, and what `delayAnswers` holds. */
const SYNC_PATHS = '/api/sync/';

/**
 * The real demo server (routes, sessions, a fresh in-memory PGlite store) on a free port of
 * 127.0.0.1. `files` are served first (test fixtures); `staticRoot` is the built app, if any.
 */
export async function startDemoServer(
  options: { files?: Record<string, StaticFile>; staticRoot?: string } = {},
): Promise<DemoServer> {
  const store = await openPGliteStore();
  const emptyRoot = await mkdtemp(join(tmpdir(), 'swsync-e2e-'));
  const app = await createDemoApp({
    store,
    sessionSecret: 'e2e-session-secret-0123456789',
    staticRoot: options.staticRoot ?? emptyRoot,
  });
  let failing: number | null = null;
  let failingPaths = SYNC_PATHS;
  let answerDelayMs: number | null = null;
  const refused: string[] = [];
  const server = await startFixtureServer(options.files ?? {}, async (request) => {
    const path = new URL(request.url).pathname;
    if (failing === null || !path.startsWith(failingPaths)) {
      const response = await app.fetch(request);
      const delay = answerDelayMs;
      if (delay !== null && path.startsWith(SYNC_PATHS)) {
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      return response;
    }
    refused.push(path);
    return Response.json({ error: 'the sync service is down (test outage)' }, { status: failing });
  });
  const api = async <T>(path: string, body: unknown, token?: string): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    url: server.url,
    login: (user) => api('/api/login', { user }),
    async serverRecords(token) {
      const entries: LogWithRecord[] = [];
      let cursor: string | null = null;
      for (;;) {
        const page: PullResponse = await api(
          '/api/sync/pull',
          { lastChangelogId: cursor, limit: 1000 },
          token,
        );
        entries.push(...page.logsWithRecords);
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
      return entries.filter((e) => e.record !== null);
    },
    push: (token, events) => api('/api/sync/push', { events }, token),
    fail(status, paths = SYNC_PATHS) {
      failing = status;
      failingPaths = paths;
    },
    delayAnswers(ms) {
      answerDelayMs = ms;
    },
    get refused() {
      return refused;
    },
    async close() {
      await server.close();
      await store.close();
      await rm(emptyRoot, { recursive: true, force: true });
    },
  };
}
