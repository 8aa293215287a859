import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { OutboxEvent } from 'swsync/schema';
import { openPostgresStore } from 'swsync/server';
import { readRecords } from '../server/push/state.ts';
import { lockScopes, readAppliedEvents, writeBatch } from '../server/push/write.ts';
import { pipeline } from '../server/store/pipeline.ts';
import { createTestDatabase } from '../server/testing/index.ts';
import { backendCpuMs } from './backend-cpu.ts';
import { median } from './median.ts';
import { seedBoard } from './push.ts';
import { startPushClients } from './push-clients.ts';
import { batchesFor, createBaselineTables, perRowPush, pushBodies, rawPush } from './push-http.ts';
import { serveBench, syncApp } from './serve.ts';

/**
 * How much of the HTTP push's cost is its SQL, and how much the work around it, on PostgreSQL
 * (`DATABASE_URL`), under the push rows' load (8 clients × `BENCH_PUSH_BATCHES` batches of 100,
 * v1 bodies, on a thread of their own). Five routes behind one HTTP server, interleaved, each
 * given the same bodies, medians of `BENCH_TRIALS` (default 5):
 * - `per-row`: the push rows' per-row baseline (a transaction per event, select then write);
 * - `raw`: the push rows' raw baseline (one multi-row upsert into a table of (scope, key, record));
 * - `raw-records`: the same one upsert, into `swsync_records` with every column and index ours
 *   writes (seq from a counter in memory, no lock): what our table alone costs;
 * - `statements`: every statement our push sends, in the same two pipelined rounds (scope lock,
 *   ledger and records lookups; records upsert, ledger insert, counter, poke), built straight
 *   from the body: no validation, no per-event logic, no per-event results beyond an id;
 * - `ours`: the push route.
 * Prints events/s, the ratio to raw, and CPU per event of this process (server and clients'
 * thread) and of the database's backends. Makes no row; it is for bench/README.md, "HTTP push".
 *
 *   DATABASE_URL=postgres://... NODE_OPTIONS=--conditions=swsync-source npx tsx bench/push-floor.ts
 */
type Part = 'ledger' | 'lookup' | 'scope';
const PARTS: readonly Part[] = ['ledger', 'lookup', 'scope'];
type Route = 'per-row' | 'raw' | 'raw-records' | 'statements' | `statements-no-${Part}` | 'ours';
/**
 * `BENCH_FLOOR_PARTS=1` adds a `statements` route per part, without it: the ledger (its lookup
 * and insert), the records lookup (every row written as sent), the scope's counter (its lock,
 * update and poke; seqs from memory). Each tells what its part costs; none is a valid push.
 */
const ROUTES: readonly Route[] = [
  'per-row',
  'raw',
  'raw-records',
  'statements',
  ...(process.env.BENCH_FLOOR_PARTS === '1' ? PARTS.map((p) => `statements-no-${p}` as const) : []),
  'ours',
];

interface Sample {
  eventsPerSec: number;
  nodeUs: number;
  dbUs: number;
}

async function main(): Promise<void> {
  const batches = Number(process.env.BENCH_PUSH_BATCHES ?? 20);
  const trials = Number(process.env.BENCH_TRIALS ?? 5);
  const load = { clients: 8, batches, size: 100, trials };
  const db = await createTestDatabase();
  const store = await openPostgresStore({ url: db.url });
  await createBaselineTables(store);
  const app = syncApp(store);
  app.post('/floor/raw', rawPush(store));
  app.post('/floor/per-row', perRowPush(store));
  const seqs = new Map<string, number>();
  app.post('/floor/raw-records', async (c) => {
    const { events } = (await c.req.json()) as { events: OutboxEvent[] };
    const scope = c.req.header('x-bench-user')!;
    let seq = seqs.get(scope) ?? 1_000;
    const rows = events.map((e) => {
      const payload = e.payload as { id: string; boardId?: string };
      return {
        key: JSON.stringify(payload.id),
        seq: ++seq,
        operation: e.operation,
        record: payload,
        parent_key: payload.boardId === undefined ? null : JSON.stringify(payload.boardId),
        event_id: e.id,
      };
    });
    seqs.set(scope, seq);
    await store.query(
      `INSERT INTO swsync_records AS r (model, key, scope, seq, version, operation, record,
                                         parent_model, parent_key, event_id, client_id)
       SELECT 'Todo', x.key, $1, x.seq, 1, x.operation, x.record, 'Board', x.parent_key,
              x.event_id, $1
         FROM jsonb_to_recordset($2::text::jsonb) AS x(key text, seq bigint, operation text,
              record jsonb, parent_key text, event_id text)
       ON CONFLICT (model, key) DO UPDATE SET
         seq = excluded.seq, version = r.version + 1, operation = excluded.operation,
         record = r.record || excluded.record, event_id = excluded.event_id,
         changed_at = now()`,
      [scope, rows],
    );
    return c.json(events.map((e) => ({ id: e.id, error: null })));
  });
  const statements = (skip: Part | undefined) => async (c: Context) => {
    const { events } = (await c.req.json()) as { events: OutboxEvent[] };
    const scope = c.req.header('x-bench-user')!;
    await store.transaction(async (tx) => {
      const keyOf = (e: OutboxEvent) => JSON.stringify((e.payload as { id: string }).id);
      const refs = events.map((e) => ({ model: 'Todo', key: keyOf(e) }));
      const boards = new Set(events.flatMap((e) => [(e.payload as { boardId?: string }).boardId]));
      for (const board of boards) {
        if (board !== undefined) refs.push({ model: 'Board', key: JSON.stringify(board) });
      }
      const [locked, , found] = await pipeline([
        skip === 'scope' ? Promise.resolve(undefined) : lockScopes(tx, [scope]),
        skip === 'ledger'
          ? Promise.resolve([])
          : readAppliedEvents(
              tx,
              'events',
              events.map((e) => ({ scope, eventId: e.id })),
            ),
        skip === 'lookup' ? Promise.resolve([]) : readRecords(tx, refs),
      ]);
      const before = locked?.get(scope)?.seq ?? seqs.get(scope) ?? 1_000;
      const byKey = new Map(found.map((row) => [row.key, row]));
      let seq = before;
      const rows = events.map((e) => {
        const key = keyOf(e);
        const stored = byKey.get(key);
        const record = { ...stored?.record, ...(e.payload as object) };
        const boardId = (record as { boardId?: string }).boardId ?? 'unknown';
        const row = {
          model: 'Todo',
          key,
          scope,
          seq: ++seq,
          version: (stored?.version ?? 0) + 1,
          operation: e.operation,
          record,
          parentModel: 'Board',
          parentKey: JSON.stringify(boardId),
          eventId: e.id,
          clientId: scope,
        };
        byKey.set(key, row);
        return row;
      });
      if (skip === 'scope') seqs.set(scope, seq);
      await writeBatch(tx, {
        rows,
        ledger: 'events',
        appliedEvents:
          skip === 'ledger'
            ? []
            : rows.map((row) => ({
                scope,
                eventId: row.eventId,
                seq: row.seq,
                version: row.version,
              })),
        counters: new Map(skip === 'scope' ? [] : [[scope, seq]]),
        initialCounters: new Map(skip === 'scope' ? [] : [[scope, before]]),
      });
    });
    return c.json(events.map((e) => ({ id: e.id, error: null })));
  };
  app.post('/floor/statements', statements(undefined));
  for (const part of PARTS) app.post(`/floor/statements-no-${part}`, statements(part));
  const server = await serveBench(app);
  const clients = startPushClients();

  const run = async (route: Route): Promise<Sample> => {
    const pushers = await Promise.all(
      Array.from({ length: load.clients }, async () => {
        const scope = `bench-${randomUUID()}`;
        return { scope, batches: batchesFor(scope, await seedBoard(store, scope), load) };
      }),
    );
    const path = route === 'ours' ? '/api/sync/push' : `/floor/${route}`;
    const dbBefore = await backendCpuMs(store, db.name);
    const cpuBefore = process.cpuUsage();
    const seconds = await clients.run(
      `${server.base}${path}`,
      pushers.map(({ scope, batches: list }) => ({ scope, bodies: pushBodies(scope, list, true) })),
    );
    const cpu = process.cpuUsage(cpuBefore);
    const dbMs = (await backendCpuMs(store, db.name)) - dbBefore;
    const events = load.clients * load.batches * load.size;
    return {
      eventsPerSec: events / seconds,
      nodeUs: (cpu.user + cpu.system) / events,
      dbUs: (dbMs * 1000) / events,
    };
  };

  try {
    const samples = new Map<Route, Sample[]>(ROUTES.map((route) => [route, []]));
    for (const route of ROUTES) await run(route); // warm-up
    for (let i = 0; i < trials; i++) {
      for (const route of ROUTES) samples.get(route)!.push(await run(route));
    }
    const raw = median(samples.get('raw')!.map((s) => s.eventsPerSec));
    for (const route of ROUTES) {
      const list = samples.get(route)!;
      const rate = median(list.map((s) => s.eventsPerSec));
      console.log(
        `${route.padEnd(12)} ${Math.round(rate).toString().padStart(6)} events/s  ` +
          `× raw ${(rate / raw).toFixed(2)}  ` +
          `node ${Math.round(median(list.map((s) => s.nodeUs)))} µs/event  ` +
          `db ${Math.round(median(list.map((s) => s.dbUs)))} µs/event  ` +
          `(rates ${list.map((s) => Math.round(s.eventsPerSec)).join(', ')})`,
      );
    }
  } finally {
    await clients.close();
    await server.close();
    await store.close();
    await db.drop();
  }
}

await main();
