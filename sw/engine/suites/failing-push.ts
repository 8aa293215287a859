import { randomUUID } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import { pullAndMaterializeLogs } from 'swsync/server';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../../demo/schema.ts';
import { type OutboxRow, STORES } from '../../store/layout.ts';
import { openLocalDb } from '../../store/open.ts';
import { engineOnClock as clockedEngine } from '../../testing/clocked-engine.ts';
import { board, todo } from '../../testing/demo-records.ts';
import { rejections } from '../../testing/engines.ts';
import type { SyncFixture } from '../../testing/fixture.ts';
import type { EngineOptions } from '../options.ts';

/** A proxy's or firewall's answer: not the sync protocol's `{ error }` body. */
const PROXY_PAGE = '<html><body><h1>Request blocked</h1></body></html>';

/**
 * Pushes that cannot go out (issue #10): an unserialisable event is rejected locally and never
 * blocks the queue; pulls go on while a push fails; only the protocol's 400 rejects events.
 */
export function failingPushSuite(f: SyncFixture): void {
  type Opts = Partial<EngineOptions<typeof demoSchema>>;

  const engineOnClock = (user: string, options: Opts = {}) =>
    clockedEngine(user, { schema: demoSchema, endpoint: f.server.endpoint, ...options });

  describe('a push that cannot go out', () => {
    it('rejects an event that cannot be serialised, and syncs the rest and the pulls', async () => {
      const user = randomUUID();
      const idb = new IDBFactory();
      const { engine, messages } = await engineOnClock(user, { indexedDB: idb });
      const other = await engineOnClock(user);
      await other.engine.create('Board', board(`b-other-${user}`, user));
      await other.engine.sync();

      engine.setOnline(false);
      await engine.create('Board', board(`b-mine-${user}`, user));
      await engine.create('Todo', todo(`t-poison-${user}`, `b-mine-${user}`));
      await engine.create('Todo', todo(`t-after-${user}`, `b-mine-${user}`));
      // An event queued by an older version, before writes were checked: a bigint in it.
      const db = await openLocalDb({ schema: demoSchema, dbName: 'swsync', indexedDB: idb });
      const rows = (await db.getAll(STORES.outbox)) as OutboxRow[];
      const poison = rows.find((r) => r.key === `t-poison-${user}`)!;
      poison.event = { ...poison.event, payload: { ...poison.event.payload, rank: 10n } };
      await db.put(STORES.outbox, poison);
      db.close();

      engine.setOnline(true);
      expect(await engine.sync()).toMatchObject({ pending: 0, lastError: null, retry: null });
      expect(rejections(messages).map((r) => [r.event.entityKeyPath, r.error])).toEqual([
        [
          [`t-poison-${user}`],
          {
            type: 'RECORD_VALIDATION_FAILURE',
            message: 'the change cannot be sent as JSON: Do not know how to serialize a BigInt',
            retryable: false,
          },
        ],
      ]);
      expect(await engine.get('Todo', `t-poison-${user}`)).toBeUndefined();
      expect(await engine.get('Board', `b-other-${user}`)).toBeDefined();
      const server = await pullAndMaterializeLogs({ store: f.store, scopeKey: user });
      expect(server.logsWithRecords.map((e) => e.keyPath[0]).sort()).toEqual(
        [`b-mine-${user}`, `b-other-${user}`, `t-after-${user}`].sort(),
      );
      await engine.close();
      await other.engine.close();
    });

    it('pulls while a push keeps failing, with pending events kept on top', async () => {
      const user = randomUUID();
      const { engine, faulty } = await engineOnClock(user, { random: () => 0.5 });
      const other = await engineOnClock(user);
      await engine.create('Board', board(`b-stuck-${user}`, user));
      await engine.sync();
      await other.engine.sync();

      await engine.update('Board', `b-stuck-${user}`, { name: 'mine' });
      await other.engine.create('Board', board(`b-new-${user}`, user));
      await other.engine.update('Board', `b-stuck-${user}`, { name: 'theirs' });
      await other.engine.sync();

      // A push the server fails on (no "wait" in it): the pull still runs.
      faulty.plan = (path) => (path === '/push' ? { status: 500 } : undefined);
      const status = await engine.sync();
      expect(faulty.calls).toEqual(['/push', '/pull', '/push', '/pull']);
      expect(status).toMatchObject({
        pending: 1,
        retry: { attempt: 1, reason: 'HTTP 500: injected' },
      });
      expect(await engine.get('Board', `b-new-${user}`)).toBeDefined();
      // The local edit stays on top of the pulled state until it is pushed.
      expect(await engine.get('Board', `b-stuck-${user}`)).toMatchObject({ name: 'mine' });

      // A server that asks to wait (503) is not pulled from in that run; but writes refused
      // with a wait (read-only maintenance) never hold back other devices' changes: the next
      // try pulls first, then pushes.
      faulty.plan = (path) =>
        path === '/push' ? { status: 503, headers: { 'retry-after': '60' } } : undefined;
      await engine.sync('manual');
      expect(faulty.calls.slice(4)).toEqual(['/push']);
      await other.engine.create('Board', board(`b-during-${user}`, user));
      await other.engine.sync();
      await engine.sync('manual');
      expect(faulty.calls.slice(5)).toEqual(['/pull', '/push']);
      expect(await engine.get('Board', `b-during-${user}`)).toBeDefined();
      expect(await engine.status()).toMatchObject({ pending: 1, retry: { attempt: 3 } });

      faulty.plan = () => undefined;
      expect(await engine.sync('manual')).toMatchObject({ pending: 0, retry: null });
      await other.engine.sync();
      expect(await other.engine.get('Board', `b-stuck-${user}`)).toMatchObject({ name: 'mine' });
      await engine.close();
      await other.engine.close();
    });
  });

  describe('400 and 413 from something other than the sync server', () => {
    it("retries a proxy's 400 page instead of rejecting the batch's events", async () => {
      const user = randomUUID();
      const { engine, faulty, messages } = await engineOnClock(user, { random: () => 0.5 });
      await engine.create('Board', board(`b-proxy-${user}`, user));
      await engine.create('Todo', todo(`t-proxy-${user}`, `b-proxy-${user}`));
      faulty.plan = (path) => (path === '/push' ? { status: 400, body: PROXY_PAGE } : undefined);
      const status = await engine.sync();
      expect(rejections(messages)).toEqual([]);
      expect(status).toMatchObject({ pending: 2, retry: { attempt: 1 } });
      expect(status.retry?.reason).toMatch(/^HTTP 400 without the sync protocol's error body/);
      // One push, no split; the pull still ran (a 400 is no "wait").
      expect(faulty.calls).toEqual(['/push', '/pull']);

      // The same 400 on a pull does not throw the cursor away (a resync) either.
      faulty.plan = (path) => (path === '/pull' ? { status: 400, body: PROXY_PAGE } : undefined);
      expect(await engine.sync('manual')).toMatchObject({ pending: 0, retry: { attempt: 2 } });
      faulty.plan = () => undefined;
      expect(await engine.sync('manual')).toMatchObject({ pending: 0, retry: null });
      expect(rejections(messages)).toEqual([]);
      await engine.close();
    });

    it("retries a proxy's 413, a gateway's JSON 400 and a firewall's 403; never drops a write for them", async () => {
      const user = randomUUID();
      const { engine, faulty, messages } = await engineOnClock(user, { random: () => 0.5 });
      await engine.create('Board', board(`b-gw-${user}`, user));
      await engine.create('Todo', todo(`t-gw-${user}`, `b-gw-${user}`));
      const gateway = JSON.stringify({
        timestamp: '2026-11-29T00:00:00Z',
        status: 400,
        error: 'Bad Request',
        path: '/api/sync/push',
      });
      const answers = [
        { status: 413, body: PROXY_PAGE },
        { status: 400, body: gateway },
        { status: 403, body: PROXY_PAGE },
      ];
      for (const [i, answer] of answers.entries()) {
        faulty.plan = (path) => (path === '/push' ? answer : undefined);
        const calls = faulty.calls.length;
        const status = await engine.sync('manual');
        // One push, no split, nothing rejected, no sign-out: a retry is scheduled.
        expect(faulty.calls.slice(calls).filter((p) => p === '/push')).toHaveLength(1);
        expect(status).toMatchObject({ pending: 2, paused: null, retry: { attempt: i + 1 } });
      }
      expect(rejections(messages)).toEqual([]);
      faulty.plan = () => undefined;
      expect(await engine.sync('manual')).toMatchObject({ pending: 0, retry: null });
      await engine.close();
    });

    it("still splits on the sync server's own 400 and 413", async () => {
      const user = randomUUID();
      const { engine, faulty, messages } = await engineOnClock(user);
      await engine.create('Board', board(`b-split-${user}`, user));
      await engine.create('Todo', todo(`t-split-${user}`, `b-split-${user}`));
      // The server's 413 (`{ error }`) for the pair: halves go alone and pass.
      faulty.plan = (path, index) =>
        path === '/push' && index === 0 ? { status: 413 } : undefined;
      expect(await engine.sync()).toMatchObject({ pending: 0, retry: null });
      expect(faulty.calls).toEqual(['/push', '/push', '/push', '/pull']);

      // The sync server's own 400 (`{ error }`) on a single event: rejected, never retried.
      await engine.create('Todo', todo(`t-refused-${user}`, `b-split-${user}`));
      faulty.plan = (path) => (path === '/push' ? { status: 400 } : undefined);
      expect(await engine.sync()).toMatchObject({ pending: 0, retry: null });
      expect(rejections(messages).map((r) => r.error.message)).toEqual(['injected']);
      await engine.close();
    });
  });
}
