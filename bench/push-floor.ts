import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { OutboxEvent } from 'swsync/schema';
import { openPostgresStore } from 'swsync/server';
import { type KeptResult, lockOutbox } from '../server/push/outbox-counter.ts';
import { readRecords, readScopes } from '../server/push/state.ts';
import { lockScopes, readAppliedEvents, writeBatch } from '../server/push/write.ts';
import { pipeline } from '../server/store/pipeline.ts';
import { createTestDatabase } from '../server/testing/index.ts';
import { backendCpuMs } from './backend-cpu.ts';
import { median } from './median.ts';
import { observedStore } from './observed-store.ts';
import { seedBoard } from './push.ts';
import { startPushClients } from './push-clients.ts';
import { batchesFor, createBaselineTables, perRowPush, pushBodies, rawPush } from './push-http.ts';
import { serveBench, syncApp } from './serve.ts';

/**
 * How much of the HTTP push's cost is its SQL, and how much the work around it, on PostgreSQL
 * (`DATABASE_URL`), under the push rows' load (8 clients × `BENCH_PUSH_BATCHES` batches of 100,
 * on a thread of their own). Routes behind one HTTP server, interleaved, each given the same
 * batches, medians of `BENCH_TRIALS` (default 5):
 * - `per-row`: the push rows' per-row baseline (a transaction per event, select then write);
 * - `raw`: the push rows' raw baseline (one multi-row upsert into a table of (scope, key, record));
 * - `raw-records`: the same one upsert, into `swsync_records` with every column and index ours
 *   writes (seq from a counter in memory, no lock): what our table alone costs;
 * - `statements`: every statement our push route sends for these batches, in the same three
 *   rounds (the records' scopes, as the route runs under spaces rules; the scope lock with the
 *   ledger and records lookups; the records upsert, ledger insert, counter and poke), built
 *   straight from the body: no validation, no per-event logic, no per-event results beyond an id;
 * - `ours`: the push route, v1 bodies (idempotent by event id, the engine's default);
 * - `statements-counters`, `ours-counters`: the same with outbox counters (the outbox's row, its
 *   lock and update, in place of the ledger), bodies numbered as the engine numbers them.
 * Prints events/s, the ratio to raw, CPU per event of this process (server and clients' thread)
 * and of the database's backends, and statements per push (so that `statements` is seen to send
 * as many as `ours`). Makes no row; it is for bench/README.md, "HTTP push".
 *
 *   DATABASE_URL=postgres://... NODE_OPTIONS=--conditions=swsync-source npx tsx bench/push-floor.ts
 */
type Part = 'ledger' | 'lookup' | 'scope';
const PARTS: readonly Part[] = ['ledger', 'lookup', 'scope'];
type Route =
  | 'per-row'
  | 'raw'
  | 'raw-records'
  | 'statements'
  | `statements-no-${Part}`
  | 'ours'
  | 'statements-counters'
  | 'ours-counters';
/** What a `statements` route leaves out, or sends in place of the ledger. */
interface Variant {
  skip?: Part;
  /** Outbox counters: the outbox's row instead of the ledger (its lock, its update). */
  counters?: boolean;
}
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
  'statements-counters',
  'ours-counters',
];
/** Routes sent bodies with outbox counters, numbered as the engine numbers them. */
const withCounters = (route: Route) => route.endsWith('-counters');

interface Sample {
  /** Statements sent per push (BEGIN and COMMIT not counted). */
  statementsPerPush: number;
  eventsPerSec: number;
  nodeUs: number;
  dbUs: number;
}

async function main(): Promise<void> {
  const batches = Number(process.env.BENCH_PUSH_BATCHES ?? 20);
  const trials = Number(process.env.BENCH_TRIALS ?? 5);
  const load = { clients: 8, batches, size: 100, trials };
  const db = await createTestDatabase();
  const inner = await openPostgresStore({ url: db.url });
  // Every route's statements are counted; the seeding and CPU readings go around it.
  const { store, stats, reset } = observedStore(inner);
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
  const statements = (variant: Variant) => async (c: Context) => {
    const body = (await c.req.json()) as {
      events: (OutboxEvent & { outboxSeq?: number })[];
      outboxId?: string;
      outboxFront?: number;
    };
    const { events } = body;
    const scope = c.req.header('x-bench-user')!;
    const skip = variant.skip;
    const counter =
      body.outboxId === undefined
        ? undefined
        : { owner: scope, id: body.outboxId, front: body.outboxFront ?? 1 };
    await store.transaction(async (tx) => {
      const keyOf = (e: OutboxEvent) => JSON.stringify((e.payload as { id: string }).id);
      const refs = events.map((e) => ({ model: 'Todo', key: keyOf(e) }));
      const boards = new Set(events.flatMap((e) => [(e.payload as { boardId?: string }).boardId]));
      for (const board of boards) {
        if (board !== undefined) refs.push({ model: 'Board', key: JSON.stringify(board) });
      }
      // The route runs under spaces rules (no fixed scopeKey): it finds the records' scopes
      // before it locks them.
      const scopes = [...new Set([scope, ...(await readScopes(tx, refs))])];
      const [locked, outbox, , found] = await pipeline([
        skip === 'scope' ? Promise.resolve(undefined) : lockScopes(tx, scopes),
        counter ? lockOutbox(tx, counter) : Promise.resolve(undefined),
        skip === 'ledger' || counter
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
      const kept = new Map<number, KeptResult>(
        events.map((e, i) => [
          e.outboxSeq ?? 0,
          { kind: 'applied', seq: rows[i]!.seq, version: rows[i]!.version },
        ]),
      );
      await writeBatch(tx, {
        rows,
        ledger: 'events',
        appliedEvents:
          skip === 'ledger' || counter
            ? []
            : rows.map((row) => ({
                scope,
                eventId: row.eventId,
                seq: row.seq,
                version: row.version,
              })),
        counters: new Map(skip === 'scope' ? [] : [[scope, seq]]),
        initialCounters: new Map(skip === 'scope' ? [] : [[scope, before]]),
        ...(counter && outbox
          ? {
              outbox: {
                counter,
                last: Math.max(outbox.last, ...kept.keys()),
                kept: new Map([...outbox.kept, ...kept]),
              },
            }
          : {}),
      });
    });
    return c.json(events.map((e) => ({ id: e.id, error: null })));
  };
  app.post('/floor/statements', statements({}));
  app.post('/floor/statements-counters', statements({ counters: true }));
  for (const part of PARTS) app.post(`/floor/statements-no-${part}`, statements({ skip: part }));
  const server = await serveBench(app);
  const clients = startPushClients();

  const run = async (route: Route): Promise<Sample> => {
    const pushers = await Promise.all(
      Array.from({ length: load.clients }, async () => {
        const scope = `bench-${randomUUID()}`;
        return { scope, batches: batchesFor(scope, await seedBoard(inner, scope), load) };
      }),
    );
    const path = route.startsWith('ours') ? '/api/sync/push' : `/floor/${route}`;
    const dbBefore = await backendCpuMs(inner, db.name);
    reset();
    const cpuBefore = process.cpuUsage();
    const seconds = await clients.run(
      `${server.base}${path}`,
      pushers.map(({ scope, batches: list }) => ({
        scope,
        bodies: pushBodies(scope, list, !withCounters(route)),
      })),
    );
    const cpu = process.cpuUsage(cpuBefore);
    const statementsPerPush = stats.statements / (load.clients * load.batches);
    const dbMs = (await backendCpuMs(inner, db.name)) - dbBefore;
    const events = load.clients * load.batches * load.size;
    return {
      statementsPerPush,
      eventsPerSec: events / seconds,
      nodeUs: (cpu.user + cpu.system) / events,
      dbUs: (dbMs * 1000) / events,
    };
  };

  try {
    const samples = new Map<Route, Sample[]>(ROUTES.map((route) => [route, []]));
    for (const route of ROUTES) await run(route); // warm-up
    for (let i = 0; i < trials; i++) {
      // Each trial starts one route further on: no route always follows the same one on
      // tables that keep growing.
      const order = [...ROUTES.slice(i % ROUTES.length), ...ROUTES.slice(0, i % ROUTES.length)];
      for (const route of order) samples.get(route)!.push(await run(route));
    }
    const raw = median(samples.get('raw')!.map((s) => s.eventsPerSec));
    for (const route of ROUTES) {
      const list = samples.get(route)!;
      const rate = median(list.map((s) => s.eventsPerSec));
      console.log(
        `${route.padEnd(20)} ${Math.round(rate).toString().padStart(6)} events/s  ` +
          `× raw ${(rate / raw).toFixed(2)}  ` +
          `node ${Math.round(median(list.map((s) => s.nodeUs)))} µs/event  ` +
          `db ${Math.round(median(list.map((s) => s.dbUs)))} µs/event  ` +
          `${median(list.map((s) => s.statementsPerPush))} statements/push  ` +
          `(rates ${list.map((s) => Math.round(s.eventsPerSec)).join(', ')})`,
      );
    }
  } finally {
    await clients.close();
    await server.close();
    await inner.close();
    await db.drop();
  }
}

await main();
