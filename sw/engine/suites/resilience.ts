import { randomUUID } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import type { BroadcastMessage } from 'swsync/schema';
import { pullAndMaterializeLogs } from 'swsync/server';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../../demo/schema.ts';
import { STORES } from '../../store/layout.ts';
import { openLocalDb } from '../../store/open.ts';
import { board, todo } from '../../testing/demo-records.ts';
import { rejections, signedInEngine } from '../../testing/engines.ts';
import { type Fault, faultyFetch, ManualClock } from '../../testing/faults.ts';
import { notesSchema, type SyncFixture } from '../../testing/fixture.ts';
import type { EngineOptions } from '../options.ts';
import type { SyncEngine } from '../types.ts';

/** Failure handling: the backoff schedule, 413 splits, an engine dropped at every request, version-checked models. */
export function resilienceSuite(f: SyncFixture): void {
  type Opts = Partial<EngineOptions<typeof demoSchema>>;

  const engineFor = (user: string, options: Opts = {}) =>
    signedInEngine(user, { schema: demoSchema, endpoint: f.server.endpoint, ...options });

  describe('backoff', () => {
    it('follows the jittered exponential schedule, honours Retry-After, ignores offline', async () => {
      const user = randomUUID();
      const clock = new ManualClock();
      const faulty = faultyFetch();
      let random = 0.999_999;
      let platformOnline = true;
      let registered = 0;
      const { engine } = await engineFor(user, {
        fetch: faulty.fetch,
        now: () => clock.now,
        setTimeout: clock.setTimeout,
        clearTimeout: clock.clearTimeout,
        random: () => random,
        isOnline: () => platformOnline,
        onRetryLater: () => registered++,
      });
      await engine.create('Board', board('b-backoff', user));
      faulty.plan = () => ({ status: 503 });

      await engine.sync();
      const delays: number[] = [];
      const delay = () => engine.retryState().at! - clock.now;
      delays.push(delay());
      for (let attempt = 2; attempt <= 11; attempt++) {
        clock.advance(delay());
        await expect.poll(() => engine.retryState().attempt).toBe(attempt);
        delays.push(delay());
      }
      // Upper end of the jitter: 1 s doubling, capped at 5 min.
      expect(delays).toEqual([
        999, 1999, 3999, 7999, 15_999, 31_999, 63_999, 127_999, 255_999, 299_999, 299_999,
      ]);
      // Online, Background Sync would fire at once and skip the backoff: never asked for.
      expect(registered).toBe(0);

      // Lower end of the jitter.
      random = 0;
      await engine.sync('manual');
      expect(engine.retryState()).toEqual({ attempt: 12, at: clock.now });

      // A background trigger during the backoff does not hit the server.
      random = 0.5;
      await engine.sync('manual');
      expect(delay()).toBe(150_000);
      const calls = faulty.calls.length;
      await engine.sync('write');
      await engine.sync('timer');
      expect(faulty.calls.length).toBe(calls);

      // Retry-After is a floor under the formula.
      random = 0;
      faulty.plan = () => ({ status: 429, headers: { 'retry-after': '42' } });
      await engine.sync('manual');
      expect(engine.retryState()).toEqual({ attempt: 14, at: clock.now + 42_000 });

      // Offline: a failed request while the platform says offline is not a try.
      platformOnline = false;
      faulty.plan = () => 'drop-request';
      const registeredBefore = registered;
      const offline = await engine.sync('manual');
      expect(offline.online).toBe(false);
      expect(engine.retryState().attempt).toBe(14);
      // ...and no request is made while offline.
      const offlineCalls = faulty.calls.length;
      await engine.sync('manual');
      expect(faulty.calls.length).toBe(offlineCalls);
      // Each offline run with events pending asks the host to be woken once online.
      expect(registered).toBe(registeredBefore + 2);

      // Coming back online retries at once, whatever the schedule said.
      platformOnline = true;
      faulty.plan = () => undefined;
      engine.setOnline(true);
      await expect.poll(() => engine.retryState()).toEqual({ attempt: 0, at: null });
      expect(await engine.status()).toMatchObject({ pending: 0, lastError: null, online: true });
      await engine.close();
    });
  });

  describe('413', () => {
    it('splits a batch the server finds too large, and rejects one event too large alone', async () => {
      const user = randomUUID();
      const faulty = faultyFetch();
      const { engine, messages } = await engineFor(user, {
        endpoint: f.strict.endpoint,
        fetch: faulty.fetch,
        batchSize: 10,
      });
      await engine.create('Board', board('b-413', user));
      for (let i = 1; i <= 9; i++) await engine.create('Todo', todo(`t-413-${i}`, 'b-413'));
      expect((await engine.sync()).pending).toBe(0);
      // 10 → 413; 5 → 413; 3 ok; 2 ok; 5 → 413; 3 ok; 2 ok; then the pull.
      expect(faulty.calls).toEqual([
        '/push',
        '/push',
        '/push',
        '/push',
        '/push',
        '/push',
        '/push',
        '/pull',
      ]);
      const page = await pullAndMaterializeLogs({ store: f.store, scopeKey: user });
      expect(page.logsWithRecords).toHaveLength(10);

      await engine.create('Todo', { ...todo('t-413-big', 'b-413'), title: '€'.repeat(500) });
      await engine.create('Todo', todo('t-413-after', 'b-413'));
      expect((await engine.sync()).pending).toBe(0);
      expect(await engine.get('Todo', 't-413-big')).toBeUndefined();
      expect(await engine.get('Todo', 't-413-after')).toBeDefined();
      const rejected = messages.flatMap((m) => (m.type === 'rejected' ? [m.rejection] : []));
      expect(rejected.map((r) => [r.event.entityKeyPath, r.error.message])).toEqual([
        [['t-413-big'], 'the change is too large to sync'],
      ]);
      await engine.close();
    });
  });

  describe('an engine dropped at every step of a push and a pull', () => {
    type Mode = 'drop-request' | 'drop-response' | 'close-mid-request';
    const modes: Mode[] = ['drop-request', 'drop-response', 'close-mid-request'];
    // 6 events in batches of 2 (3 pushes), then 9 entries in pages of 4 (3 pulls).
    const steps = [0, 1, 2, 3, 4, 5];

    async function scenario(step: number, mode: Mode) {
      const user = randomUUID();
      const other = await engineFor(user);
      await other.engine.create('Board', board(`bx-${user}`, user));
      for (let i = 1; i <= 3; i++)
        await other.engine.create('Todo', todo(`x${i}-${user}`, `bx-${user}`));
      await other.engine.sync();
      await other.engine.close();

      const idb = new IDBFactory();
      const faulty = faultyFetch();
      const options: Opts = { indexedDB: idb, fetch: faulty.fetch, batchSize: 2, pullLimit: 4 };
      const first = await engineFor(user, options);
      const by = `by-${user}`;
      const y = (n: number) => `y${n}-${user}`;
      first.engine.setOnline(false);
      await first.engine.create('Board', board(by, user));
      await first.engine.create('Todo', todo(y(1), by));
      await first.engine.create('Todo', todo(y(2), by));
      await first.engine.update('Todo', y(1), { title: 'edited' });
      await first.engine.delete('Todo', y(2));
      await first.engine.update('Board', by, { name: 'renamed' });

      let dropped: SyncEngine<typeof demoSchema> | undefined;
      faulty.plan = async (_path, index): Promise<Fault | undefined> => {
        if (index !== step) return undefined;
        if (mode !== 'close-mid-request') return mode;
        // The worker is stopped while its request is on the way: the answer finds it gone.
        await first.engine.close();
        dropped = first.engine;
        return undefined;
      };
      first.engine.setOnline(true);
      await first.engine.sync('online');
      expect(faulty.calls.length).toBeGreaterThan(step);
      if (!dropped) await first.engine.close();

      const second = await engineFor(user, { ...options, fetch: fetch });
      expect(second.engine.clientId).toBe(first.engine.clientId);
      const status = await second.engine.sync();
      expect(status).toMatchObject({ pending: 0, lastError: null });

      // Every event applied exactly once: one version per event on each record.
      const entries = (await pullAndMaterializeLogs({ store: f.store, scopeKey: user }))
        .logsWithRecords;
      const versions = Object.fromEntries(entries.map((e) => [String(e.keyPath[0]), e.version]));
      expect(versions).toMatchObject({ [by]: 2, [y(1)]: 2, [y(2)]: 2 });
      expect(entries.filter((e) => e.record !== null)).toHaveLength(6);

      // The local store holds exactly the server's records, and no leftover bookkeeping.
      for (const entry of entries) {
        const local = await second.engine.get(entry.model as 'Todo', String(entry.keyPath[0]));
        expect(local ?? null).toEqual(entry.record);
      }
      expect(await second.engine.get('Todo', y(1))).toMatchObject({ title: 'edited' });
      await second.engine.close();
      const db = await openLocalDb({ schema: demoSchema, dbName: 'swsync', indexedDB: idb });
      expect(await db.count(STORES.outbox)).toBe(0);
      expect(await db.count(STORES.base)).toBe(0);
      db.close();
    }

    for (const mode of modes) {
      it(`recovers from ${mode} at every request`, async () => {
        for (const step of steps) await scenario(step, mode);
      });
    }
  });

  describe('version-checked models', () => {
    async function notesEngine(user: string, faulty = faultyFetch()) {
      const options = { schema: notesSchema, endpoint: f.versioned.endpoint, fetch: faulty.fetch };
      return { faulty, ...(await signedInEngine(user, options)) };
    }

    /** Two engines of one user that both pulled a note at version 1; B's edit made it 2. */
    async function noteEditedByB(id: string) {
      const user = randomUUID();
      const a = await notesEngine(user);
      const b = await notesEngine(user);
      await a.engine.create('Note', { id: `${id}-${user}`, userId: user, text: 'one' });
      await a.engine.sync();
      await b.engine.sync();
      await b.engine.update('Note', `${id}-${user}`, { text: 'from b' });
      await b.engine.sync();
      return { a, b, id: `${id}-${user}` };
    }

    const rejectedTypes = (messages: BroadcastMessage[]) =>
      rejections(messages).map((r) => r.error.type);

    it('sends each edit with the version the previous one produced', async () => {
      const user = randomUUID();
      const { engine, messages, faulty } = await notesEngine(user);
      const id = `n-${user}`;
      await engine.create('Note', { id, userId: user, text: 'one' });
      await engine.sync();
      // Both edits were queued on version 1; the second must go out on version 2.
      await engine.update('Note', id, { text: 'two' });
      await engine.update('Note', id, { text: 'three' });
      expect(await engine.sync()).toMatchObject({ pending: 0, lastError: null });
      expect(rejectedTypes(messages)).toEqual([]);
      expect(faulty.calls).toEqual(['/push', '/pull', '/push', '/push', '/pull']);
      expect(await engine.get('Note', id)).toMatchObject({ text: 'three' });
      await engine.close();
    });

    it('rolls a stale edit back to the server record', async () => {
      const { a, b, id } = await noteEditedByB('n');
      await a.engine.update('Note', id, { text: 'from a' });
      await a.engine.sync();
      expect(await a.engine.get('Note', id)).toMatchObject({ text: 'from b' });
      expect(rejectedTypes(a.messages)).toEqual(['CONFLICT']);
      await a.engine.close();
      await b.engine.close();
    });

    it('rejects an edit made before a concurrent change it pulled afterwards', async () => {
      const { a, b, id } = await noteEditedByB('n2');
      // A edits on version 1 while its pull brings B's version 2: the edit is stale.
      a.faulty.plan = async (path) => {
        if (path === '/pull') await a.engine.update('Note', id, { text: 'from a' });
        return undefined;
      };
      await a.engine.sync();
      a.faulty.plan = () => undefined;
      expect(await a.engine.get('Note', id)).toMatchObject({ text: 'from a' });
      await a.engine.sync();
      expect(await a.engine.get('Note', id)).toMatchObject({ text: 'from b' });
      expect(rejectedTypes(a.messages)).toEqual(['CONFLICT']);
      await a.engine.close();
      await b.engine.close();
    });
  });
}
