import { randomUUID } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import { pullAndMaterializeLogs, purgeTombstones } from 'swsync/server';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../../demo/schema.ts';
import { META_KEYS, STORES } from '../../store/layout.ts';
import { openLocalDb } from '../../store/open.ts';
import { board, todo } from '../../testing/demo-records.ts';
import { rejections, signedInEngine } from '../../testing/engines.ts';
import { faultyFetch, ManualClock } from '../../testing/faults.ts';
import type { SyncFixture } from '../../testing/fixture.ts';
import type { EngineOptions } from '../options.ts';

/** The engine against the real sync routes: offline drain, lost responses, rejections, rebase, 401, 409, coalescing. */
export function syncSuite(f: SyncFixture): void {
  type Opts = Partial<EngineOptions<typeof demoSchema>>;

  /** An engine signed in as `user` (the test server's auth reads `x-user`). */
  async function engineFor(user: string, idb = new IDBFactory(), options: Opts = {}) {
    const opened = await signedInEngine(user, {
      schema: demoSchema,
      endpoint: f.server.endpoint,
      indexedDB: idb,
      ...options,
    });
    return { idb, ...opened };
  }

  async function serverRecords(user: string) {
    const page = await pullAndMaterializeLogs({ store: f.store, scopeKey: user, limit: 1000 });
    return page.logsWithRecords;
  }

  describe('engine against the real server', () => {
    it('queues writes offline and drains them when back online', async () => {
      const user = randomUUID();
      const { engine } = await engineFor(user);
      engine.setOnline(false);
      await engine.create('Board', board('b-off', user));
      await engine.create('Todo', todo('t-off1', 'b-off'));
      await engine.create('Todo', todo('t-off2', 'b-off'));
      await engine.update('Todo', 't-off1', { done: true });
      const offline = await engine.sync();
      expect(offline).toMatchObject({ online: false, pending: 4, lastError: null });
      expect(engine.retryState()).toEqual({ attempt: 0, at: null });
      expect(await serverRecords(user)).toEqual([]);

      engine.setOnline(true);
      const status = await engine.sync('online');
      expect(status).toMatchObject({ online: true, pending: 0, lastError: null, paused: null });
      expect(status.lastSyncAt).not.toBeNull();

      // Another device of the same user gets everything.
      const other = await engineFor(user, new IDBFactory(), { pullLimit: 1 });
      const first = await other.engine.sync();
      expect(first.initialSync).toEqual({ records: 3, total: 3, done: true });
      // Progress went out page by page while the first pull ran.
      const progress = other.messages.flatMap((m) =>
        m.type === 'status' && m.status.initialSync ? [m.status.initialSync.records] : [],
      );
      expect(progress).toEqual([0, 1, 2, 3, 3]);
      expect(await other.engine.get('Todo', 't-off1')).toEqual({
        ...todo('t-off1', 'b-off'),
        done: true,
      });
      expect((await other.engine.list('Todo')).map((t) => t.id).sort()).toEqual([
        't-off1',
        't-off2',
      ]);
      await engine.close();
      await other.engine.close();
    });

    it('keeps counting initial-sync progress across runs cut by the time budget', async () => {
      const user = randomUUID();
      const { engine } = await engineFor(user);
      await engine.create('Board', board('b-budget', user));
      for (const n of [1, 2, 3, 4]) await engine.create('Todo', todo(`t-budget${n}`, 'b-budget'));
      await engine.sync();
      // A clock that jumps on every reading: each run has time for about one page.
      let t = 0;
      const other = await engineFor(user, new IDBFactory(), {
        pullLimit: 1,
        runBudgetMs: 1_000,
        now: () => (t += 400),
      });
      let runs = 0;
      let status = await other.engine.sync();
      while (!status.initialSync?.done && runs++ < 20) status = await other.engine.sync();
      expect(runs).toBeGreaterThan(1);
      expect(status.initialSync).toEqual({ records: 5, total: 5, done: true });
      const progress = other.messages.flatMap((m) =>
        m.type === 'status' && m.status.initialSync ? [m.status.initialSync.records] : [],
      );
      // Never back to a smaller number when a new run carries the pull on.
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect([...new Set(progress)].filter((n) => n > 0)).toEqual([1, 2, 3, 4, 5]);
      await engine.close();
      await other.engine.close();
    });

    it('a first sync keeps what the person writes while it runs, and ends with everything', async () => {
      const user = randomUUID();
      const { engine } = await engineFor(user);
      await engine.create('Board', board('b-fresh', user));
      for (const n of [1, 2, 3]) await engine.create('Todo', todo(`t-fresh${n}`, 'b-fresh'));
      await engine.sync();
      let t = 0;
      const other = await engineFor(user, new IDBFactory(), {
        pullLimit: 1,
        runBudgetMs: 1_000,
        now: () => (t += 400),
      });
      let status = await other.engine.sync();
      expect(status.initialSync?.done).toBe(false);
      // Written on the new device in the middle of its first pull, pushed by the next run.
      await other.engine.create('Todo', todo('t-fresh-local', 'b-fresh'));
      for (let runs = 0; !status.initialSync?.done && runs < 20; runs++) {
        status = await other.engine.sync();
      }
      expect(status).toMatchObject({ pending: 0, initialSync: { done: true } });
      const ids = (await other.engine.list('Todo')).map((x) => x.id).sort();
      expect(ids).toEqual(['t-fresh-local', 't-fresh1', 't-fresh2', 't-fresh3']);
      expect((await serverRecords(user)).length).toBe(5);
      await engine.close();
      await other.engine.close();
    });

    it('retries a batch whose response was lost without applying it twice', async () => {
      const user = randomUUID();
      const faulty = faultyFetch();
      const { engine } = await engineFor(user, new IDBFactory(), { fetch: faulty.fetch });
      await engine.create('Board', board('b-lost', user));
      await engine.update('Board', 'b-lost', { name: 'renamed' });
      faulty.plan = (path) => (path === '/push' ? 'drop-response' : undefined);
      const failed = await engine.sync();
      expect(failed.pending).toBe(2);
      expect(failed.lastError?.code).toBe('SYNC_FAILED');
      expect(engine.retryState().attempt).toBe(1);
      // The server did commit the batch.
      expect((await serverRecords(user))[0]).toMatchObject({ version: 2 });

      faulty.plan = () => undefined;
      const ok = await engine.sync();
      expect(ok).toMatchObject({ pending: 0, lastError: null });
      expect(engine.retryState()).toEqual({ attempt: 0, at: null });
      const entries = await serverRecords(user);
      expect(entries).toHaveLength(1);
      // Two events, two versions: the retried batch was not applied again.
      expect(entries[0]).toMatchObject({ version: 2, record: { name: 'renamed' } });
      expect(await engine.get('Board', 'b-lost')).toEqual({
        ...board('b-lost', user),
        name: 'renamed',
      });
      await engine.close();
    });

    it('rolls back a rejected event and replays the later events of its record', async () => {
      const user = randomUUID();
      const { engine, messages } = await engineFor(user);
      await engine.create('Board', board('b-rej', user));
      await engine.sync();
      // Moving a board to another scope is refused; the rename after it is fine.
      await engine.update('Board', 'b-rej', { userId: 'someone-else' });
      await engine.update('Board', 'b-rej', { name: 'kept' });
      await engine.create('Todo', todo('t-orphan', 'no-such-board'));
      expect(await engine.get('Board', 'b-rej')).toMatchObject({
        userId: 'someone-else',
        name: 'kept',
      });

      const status = await engine.sync();
      expect(status.pending).toBe(0);
      expect(await engine.get('Board', 'b-rej')).toEqual({ ...board('b-rej', user), name: 'kept' });
      expect(await engine.get('Todo', 't-orphan')).toBeUndefined();
      expect(rejections(messages).map((r) => [r.event.operation, r.error.type])).toEqual([
        ['update', 'SCOPE_VIOLATION'],
        ['create', 'MISSING_PARENT'],
      ]);
      expect(messages).toContainEqual({ type: 'change', model: 'Todo', keys: ['t-orphan'] });
      expect((await serverRecords(user))[0]?.record).toEqual({
        ...board('b-rej', user),
        name: 'kept',
      });
      await engine.close();
    });

    it('restores the server record on a CONFLICT (update of a record deleted elsewhere)', async () => {
      const user = randomUUID();
      const a = await engineFor(user);
      const b = await engineFor(user);
      await a.engine.create('Board', board('b-c', user));
      await a.engine.create('Todo', todo('t-c', 'b-c'));
      await a.engine.sync();
      await b.engine.sync();
      await b.engine.delete('Todo', 't-c');
      await b.engine.sync();
      await a.engine.update('Todo', 't-c', { title: 'too late' });
      await a.engine.sync();
      expect(await a.engine.get('Todo', 't-c')).toBeUndefined();
      expect(rejections(a.messages).map((r) => r.error.type)).toEqual(['CONFLICT']);
      await a.engine.close();
      await b.engine.close();
    });

    it('an engine opening tells pages to read again: a change may have died with the last one', async () => {
      const { engine, messages } = await engineFor(randomUUID());
      expect(messages[0]).toEqual({ type: 'invalidate' });
      await engine.close();
    });

    it('a first sync keeps no versions for last-writer-wins records, and every path still works', async () => {
      const user = randomUUID();
      const a = await engineFor(user);
      await a.engine.create('Board', board('b-nv', user));
      for (const n of [1, 2, 3]) await a.engine.create('Todo', todo(`t-nv${n}`, 'b-nv'));
      await a.engine.delete('Todo', 't-nv3');
      await a.engine.sync();
      const b = await engineFor(user);
      await b.engine.sync();
      const db = await openLocalDb({ schema: demoSchema, dbName: 'swsync', indexedDB: b.idb });
      expect(await db.count(STORES.versions)).toBe(0);
      db.close();

      // Edited here on no known version, elsewhere, and both ways at once (the later push wins).
      await b.engine.update('Todo', 't-nv1', { title: 'from b' });
      await a.engine.update('Todo', 't-nv2', { title: 'from a' });
      await b.engine.update('Todo', 't-nv2', { done: true });
      await a.engine.sync();
      await b.engine.sync();
      await b.engine.delete('Todo', 't-nv1');
      await b.engine.create('Todo', todo('t-nv3', 'b-nv'));
      await b.engine.sync();
      await a.engine.sync();
      for (const { engine, messages } of [a, b]) {
        expect(rejections(messages)).toEqual([]);
        const todos = await engine.list('Todo');
        expect(todos.map((t) => [t.id, t.title, t.done])).toEqual([
          ['t-nv2', 'from a', true],
          ['t-nv3', todo('t-nv3', 'b-nv').title, false],
        ]);
      }
      await a.engine.close();
      await b.engine.close();
    });

    it('keeps a pending local edit on top of a concurrent change pulled from another client', async () => {
      const user = randomUUID();
      const faulty = faultyFetch();
      const a = await engineFor(user, new IDBFactory(), { fetch: faulty.fetch });
      const b = await engineFor(user);
      await a.engine.create('Board', board('b-cc', user));
      await a.engine.create('Todo', todo('t-cc', 'b-cc'));
      await a.engine.sync();
      await b.engine.sync();

      // B changes `done` and `title`; A edits `title` locally while its pull is on the way.
      await b.engine.update('Todo', 't-cc', { done: true, title: 'theirs' });
      await b.engine.sync();
      faulty.plan = async (path) => {
        if (path === '/pull') await a.engine.update('Todo', 't-cc', { title: 'mine' });
        return undefined;
      };
      const afterPull = await a.engine.sync();
      faulty.plan = () => undefined;
      expect(afterPull.pending).toBe(1);
      expect(await a.engine.get('Todo', 't-cc')).toMatchObject({ done: true, title: 'mine' });

      await a.engine.sync();
      await b.engine.sync();
      for (const engine of [a.engine, b.engine]) {
        expect(await engine.get('Todo', 't-cc')).toMatchObject({ done: true, title: 'mine' });
      }
      await a.engine.close();
      await b.engine.close();
    });

    it('pauses on 401 until headers change or a sync is asked for explicitly', async () => {
      const user = randomUUID();
      const faulty = faultyFetch();
      const { engine } = await engineFor(user, new IDBFactory(), { fetch: faulty.fetch });
      engine.setHeaders(undefined);
      await engine.create('Board', board('b-401', user));
      const paused = await engine.sync('timer');
      expect(paused).toMatchObject({ paused: 'unauthorized', pending: 1 });
      expect(paused.lastError?.code).toBe('UNAUTHORIZED');
      expect(engine.retryState().at).toBeNull();
      const calls = faulty.calls.length;
      await engine.sync('timer');
      await engine.sync('write');
      expect(faulty.calls.length).toBe(calls);
      // An explicit sync asks again (still no credentials: paused again).
      expect((await engine.sync('manual')).paused).toBe('unauthorized');
      expect(faulty.calls.length).toBe(calls + 1);

      engine.setHeaders({ 'x-user': user });
      await expect.poll(async () => (await engine.status()).pending).toBe(0);
      expect((await engine.status()).paused).toBeNull();
      await engine.close();
    });

    it('starts over on 409 cursor expired, keeping pending events and dropping what is gone', async () => {
      const user = randomUUID();
      const faulty = faultyFetch();
      // One page: a paginated full pull past a purged tombstone meets 409 again (server issue,
      // reported), so this test keeps the resync to one page.
      const a = await engineFor(user, new IDBFactory(), { fetch: faulty.fetch });
      const b = await engineFor(user);
      await a.engine.create('Board', board('b-409a', user));
      await a.engine.create('Board', board('b-409b', user));
      for (const id of ['1', '2', '3'])
        await a.engine.create('Todo', todo(`t-409-${id}`, 'b-409a'));
      await a.engine.sync();
      await b.engine.sync();
      await b.engine.delete('Board', 'b-409b');
      await b.engine.sync();
      // The delete's tombstone leaves the retained changelog: A's cursor is now too old.
      expect(
        await purgeTombstones({
          store: f.store,
          retentionMs: 0,
          now: new Date(Date.now() + 60_000),
        }),
      ).toBeGreaterThan(0);

      let wrote = false;
      faulty.plan = async (path) => {
        if (path === '/pull' && !wrote) {
          wrote = true;
          await a.engine.update('Todo', 't-409-1', { title: 'pending edit' });
          await a.engine.create('Todo', todo('t-409-new', 'b-409a'));
        }
        return undefined;
      };
      a.messages.length = 0;
      const status = await a.engine.sync();
      expect(status.pending).toBe(2);
      expect(status.lastError).toBeNull();
      expect(await a.engine.get('Board', 'b-409b')).toBeUndefined();
      expect(await a.engine.get('Todo', 't-409-1')).toMatchObject({ title: 'pending edit' });
      expect(await a.engine.get('Todo', 't-409-new')).toBeDefined();
      expect((await a.engine.list('Todo')).length).toBe(4);
      expect(status.initialSync).toEqual({ records: 4, total: 4, done: true });

      faulty.plan = () => undefined;
      expect((await a.engine.sync()).pending).toBe(0);
      await b.engine.sync();
      expect(await b.engine.get('Todo', 't-409-1')).toMatchObject({ title: 'pending edit' });
      await a.engine.close();
      await b.engine.close();
    });

    it('runs one sync at a time: concurrent triggers share one follow-up run', async () => {
      const user = randomUUID();
      const faulty = faultyFetch();
      const { engine } = await engineFor(user, new IDBFactory(), { fetch: faulty.fetch });
      await engine.create('Board', board('b-co', user));
      let inFlight = 0;
      let most = 0;
      faulty.plan = async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight--;
        return undefined;
      };
      const statuses = await Promise.all([
        engine.sync('write'),
        engine.sync('poke'),
        engine.sync('visible'),
        engine.sync('page'),
        engine.sync('timer'),
      ]);
      expect(most).toBe(1);
      // The first run pushes and pulls; the one follow-up finds the outbox empty and pulls.
      expect(faulty.calls).toEqual(['/push', '/pull', '/pull']);
      for (const status of statuses) expect(status.pending).toBe(0);
      await engine.close();
    });

    it('bounds every run in time', async () => {
      const user = randomUUID();
      const faulty = faultyFetch();
      const clock = new ManualClock();
      const { engine } = await engineFor(user, new IDBFactory(), {
        fetch: faulty.fetch,
        runBudgetMs: 0,
        now: () => clock.now,
        setTimeout: clock.setTimeout,
        clearTimeout: clock.clearTimeout,
      });
      await engine.create('Board', board('b-budget', user));
      const status = await engine.sync();
      // Out of time before the first request: nothing sent, nothing lost, a new run scheduled
      // (not a failure: no retry to show, no attempt counted).
      expect(faulty.calls).toEqual([]);
      expect(status).toMatchObject({ pending: 1, lastError: null, retry: null });
      expect([...clock.timers.values()].map((t) => t.at)).toEqual([clock.now + 1000]);
      expect(engine.retryState()).toEqual({ attempt: 0, at: null });
      await engine.close();
    });

    it('starts over when the server does not know its cursor (a replaced database)', async () => {
      const user = randomUUID();
      const { engine, idb } = await engineFor(user);
      await engine.create('Board', board('b-400', user));
      await engine.sync();
      await engine.create('Board', board('b-400-pending', user));
      const db = await openLocalDb({ schema: demoSchema, dbName: 'swsync', indexedDB: idb });
      // A well-formed cursor far beyond anything this server issued: it answers 400.
      await db.put(STORES.meta, Buffer.from('1:999999').toString('base64url'), META_KEYS.cursor);
      db.close();
      const status = await engine.sync();
      expect(status).toMatchObject({ pending: 0, lastError: null });
      expect((await engine.list('Board')).map((b) => b.id).sort()).toEqual([
        'b-400',
        'b-400-pending',
      ]);
      await engine.close();
    });
  });
}
