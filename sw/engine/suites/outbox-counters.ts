import { randomUUID } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import type { OutboxEvent } from 'swsync/schema';
import { applyPush } from 'swsync/server';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../../demo/schema.ts';
import { META_KEYS, STORES } from '../../store/layout.ts';
import { openLocalDb } from '../../store/open.ts';
import { board, todo } from '../../testing/demo-records.ts';
import { rejections, signedInEngine } from '../../testing/engines.ts';
import { faultyFetch } from '../../testing/faults.ts';
import type { SyncFixture } from '../../testing/fixture.ts';
import type { EngineOptions } from '../options.ts';

const eventFor = (entityType: string, payload: Record<string, unknown>): OutboxEvent => ({
  id: randomUUID(),
  entityType,
  operation: 'create',
  payload,
  createdAt: new Date().toISOString(),
});

interface SentPush {
  outboxId?: string;
  outboxFront?: number;
  events: { id: string; outboxSeq?: number }[];
}

/**
 * Outbox counters (docs/protocol.md, "Outbox counters"): the engine numbers its pushes, a push
 * whose answer is lost is settled by its retry exactly once, and the server keeps one row for
 * the outbox instead of one per event.
 */
export function outboxCountersSuite(f: SyncFixture): void {
  type Opts = Partial<EngineOptions<typeof demoSchema>>;

  /** An engine whose pushes are recorded (bodies as sent) and may be made to fail. */
  async function recordedEngine(user: string, options: Opts = {}) {
    const faulty = faultyFetch();
    const pushes: SentPush[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      if (String(input).endsWith('/push')) pushes.push(JSON.parse(String(init?.body)));
      return faulty.fetch(input, init);
    };
    const made = await signedInEngine(user, {
      schema: demoSchema,
      endpoint: f.server.endpoint,
      fetch,
      batchSize: 3,
      outboxCounters: true,
      ...options,
    });
    return { ...made, faulty, pushes };
  }

  /**
   * Goes online and syncs with the first push's answer lost on the way back (the server applied
   * it), then syncs again: the retry must settle the outbox from the server's kept results.
   */
  async function syncLosingFirstPushAnswer(
    engine: Awaited<ReturnType<typeof recordedEngine>>['engine'],
    faulty: Awaited<ReturnType<typeof recordedEngine>>['faulty'],
  ) {
    let sentPushes = 0;
    faulty.plan = (path) => (path === '/push' && sentPushes++ === 0 ? 'drop-response' : undefined);
    engine.setOnline(true);
    await engine.sync('online');
    await engine.sync();
  }

  const serverVersions = async (user: string) => {
    const rows = await f.store.query<{ key: string; version: number }>(
      `SELECT r.key, r.version FROM swsync_records r WHERE r.scope = $1 ORDER BY r.key`,
      [user],
    );
    return Object.fromEntries(rows.map((row) => [JSON.parse(row.key), Number(row.version)]));
  };
  const ledgerRows = async (user: string) => {
    const [row] = await f.store.query<{ n: string | number }>(
      'SELECT count(*) AS n FROM swsync_events WHERE scope = $1',
      [user],
    );
    return Number(row!.n);
  };
  const outboxRows = (user: string) =>
    f.store.query<{ outbox_id: string; last_seq: string | number }>(
      'SELECT outbox_id, last_seq FROM swsync_outboxes WHERE owner = $1',
      [user],
    );

  describe('outbox counters', () => {
    it('a push whose answer was lost is settled by its retry exactly once', async () => {
      const user = randomUUID();
      const { engine, messages, faulty, pushes } = await recordedEngine(user);
      engine.setOnline(false);
      await engine.create('Board', board(`b-${user}`, user));
      for (let i = 1; i <= 3; i++) await engine.create('Todo', todo(`t${i}-${user}`, `b-${user}`));
      await engine.update('Todo', `t1-${user}`, { title: 'edited' });
      // Refused by the server (no such board): its refusal must be reported once, not lost.
      await engine.create('Todo', todo(`orphan-${user}`, `no-board-${user}`));
      await syncLosingFirstPushAnswer(engine, faulty);

      expect((await engine.status()).pending).toBe(0);
      // The first request went out twice, with the same counters; nothing else repeated.
      expect(pushes[1]).toEqual(pushes[0]);
      const sent = pushes.slice(1).flatMap((p) => p.events.map((e) => e.outboxSeq));
      expect(sent).toEqual([...sent].sort((a, b) => a! - b!));
      expect(new Set(sent).size).toBe(6);
      expect(pushes.every((p) => typeof p.outboxId === 'string')).toBe(true);
      expect(pushes.map((p) => p.outboxFront)).toEqual(pushes.map((p) => p.events[0]!.outboxSeq));

      // Applied once each: versions 1, and 2 for the edited todo; the orphan never stored.
      expect(await serverVersions(user)).toEqual({
        [`b-${user}`]: 1,
        [`t1-${user}`]: 2,
        [`t2-${user}`]: 1,
        [`t3-${user}`]: 1,
      });
      expect(rejections(messages).map((r) => [r.event.entityKeyPath, r.error.type])).toEqual([
        [[`orphan-${user}`], 'MISSING_PARENT'],
      ]);
      expect(await engine.get('Todo', `orphan-${user}`)).toBeUndefined();
      expect(await engine.get('Todo', `t1-${user}`)).toMatchObject({ title: 'edited' });
      // One row for the outbox, none in the per-event ledger.
      const rows = await outboxRows(user);
      expect(rows.map((row) => [row.outbox_id, Number(row.last_seq)])).toEqual([
        [pushes[0]!.outboxId, Math.max(...(sent as number[]))],
      ]);
      expect(await ledgerRows(user)).toBe(0);
      await engine.close();
    });

    it('a replay whose result the server no longer keeps settles on the current state', async () => {
      const user = randomUUID();
      const { engine, messages, faulty, pushes } = await recordedEngine(user);
      engine.setOnline(false);
      await engine.create('Board', board(`b-${user}`, user));
      await engine.create('Todo', todo(`t1-${user}`, `b-${user}`));
      await engine.create('Todo', todo(`orphan-${user}`, `no-board-${user}`));
      let sentPushes = 0;
      faulty.plan = (path) =>
        path === '/push' && sentPushes++ === 0 ? 'drop-response' : undefined;
      engine.setOnline(true);
      await engine.sync('online');
      // Another push of the same outbox (as a client breaking the rule would send) moves the
      // front past the lost batch: the server forgets its results.
      const outboxId = pushes[0]!.outboxId!;
      await applyPush({
        store: f.store,
        schema: demoSchema,
        account: user,
        outbox: { id: outboxId, front: 100 },
        events: [{ ...eventFor('Board', board(`b2-${user}`, user)), outboxSeq: 100 }],
      });
      await engine.sync();

      expect((await engine.status()).pending).toBe(0);
      expect(await serverVersions(user)).toEqual({
        [`b-${user}`]: 1,
        [`b2-${user}`]: 1,
        [`t1-${user}`]: 1,
      });
      expect(await engine.get('Todo', `t1-${user}`)).toMatchObject({ title: `Todo t1-${user}` });
      // The refused create is rolled back by the current state (no record); its refusal is
      // what the server no longer knows, so none is reported (docs/protocol.md).
      expect(await engine.get('Todo', `orphan-${user}`)).toBeUndefined();
      expect(rejections(messages)).toEqual([]);
      await engine.close();
    });

    it('events queued before the outbox had an id go without counters, by event id', async () => {
      const user = randomUUID();
      const indexedDB = new IDBFactory();
      const first = await recordedEngine(user, { indexedDB, outboxCounters: false });
      first.engine.setOnline(false);
      await first.engine.create('Board', board(`b-${user}`, user));
      await first.engine.create('Todo', todo(`t1-${user}`, `b-${user}`));
      await first.engine.close();
      // As a database an engine before outbox counters left behind.
      const raw = await openLocalDb({ schema: demoSchema, dbName: 'swsync', indexedDB });
      await raw.delete(STORES.meta, META_KEYS.outboxId);
      await raw.delete(STORES.meta, META_KEYS.counterFrom);
      raw.close();

      const { engine, faulty, pushes } = await recordedEngine(user, { indexedDB });
      engine.setOnline(false);
      await engine.create('Todo', todo(`t2-${user}`, `b-${user}`));
      await syncLosingFirstPushAnswer(engine, faulty);

      expect((await engine.status()).pending).toBe(0);
      expect(pushes.map((p) => [p.outboxId !== undefined, p.events.length])).toEqual([
        [false, 2],
        [false, 2],
        [true, 1],
      ]);
      expect(await serverVersions(user)).toEqual({
        [`b-${user}`]: 1,
        [`t1-${user}`]: 1,
        [`t2-${user}`]: 1,
      });
      expect(await ledgerRows(user)).toBe(2);
      await engine.close();
    });
  });
}
