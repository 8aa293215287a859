import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { OutboxEvent } from 'swsync/schema';
import type { SyncStore } from 'swsync/server';
import { median } from './median.ts';
import { seedBoard } from './push.ts';
import { startPushClients } from './push-clients.ts';
import { serveBench, syncApp } from './serve.ts';

export interface PushHttpLoad {
  /** Concurrent clients, each with its own scope; default 8. */
  clients: number;
  /** Batches per client: the first half creates todos, the second half updates them. */
  batches: number;
  /** Events per batch; default 100. */
  size: number;
  trials: number;
}

/** Events per second through HTTP, medians of the trials. */
export interface PushHttpResult {
  events: number;
  /** With outbox counters, as the engine pushes (docs/protocol.md, "Outbox counters"). */
  ours: number;
  /** The same route with v1 bodies (idempotent by event id), for comparison. */
  oursV1: number;
  perRow: number;
  raw: number;
}

type Route = 'ours' | 'ours-v1' | 'per-row' | 'raw';

/**
 * Pushes through the HTTP route, many clients at once (on a thread of their own, as other
 * machines would be: `push-clients.ts`), against two baselines written on the same database in
 * the same run, behind the same HTTP server:
 * - `per-row`: what sync tutorials do: one transaction per event, select the row, then insert
 *   or update it;
 * - `raw`: one multi-row upsert per batch, no checks at all: the limit of this database.
 * Every route receives the same push bodies and parses them; trials interleave the four. Ours
 * is measured twice: with outbox counters (each client numbers its events, as the engine does
 * with `outboxCounters: true`) and with v1 bodies (event ids only, the engine's default); the
 * baselines ignore the counter fields.
 */
export async function benchPushHttp(store: SyncStore, load: PushHttpLoad): Promise<PushHttpResult> {
  await createBaselineTables(store);
  const app = syncApp(store);
  app.post('/baseline/raw', rawPush(store));
  app.post('/baseline/per-row', perRowPush(store));
  const server = await serveBench(app);
  const { base } = server;
  const pushClients = startPushClients();

  const run = async (route: Route): Promise<number> => {
    const clients = await Promise.all(
      Array.from({ length: load.clients }, async () => {
        const scope = `bench-${randomUUID()}`;
        return { scope, batches: batchesFor(scope, await seedBoard(store, scope), load) };
      }),
    );
    const path = route.startsWith('ours') ? '/api/sync/push' : `/baseline/${route}`;
    const seconds = await pushClients.run(
      `${base}${path}`,
      clients.map(({ scope, batches }) => ({
        scope,
        bodies: pushBodies(scope, batches, route === 'ours-v1'),
      })),
    );
    await expectStored(store, route, clients); // outside the timed run
    return (load.clients * load.batches * load.size) / seconds;
  };
  try {
    const rates: Record<Route, number[]> = { ours: [], 'ours-v1': [], 'per-row': [], raw: [] };
    // Warm-up, every side alike: JIT, plans, pages.
    for (const route of ['per-row', 'raw', 'ours-v1', 'ours'] as const) await run(route);
    for (let i = 0; i < load.trials; i++) {
      for (const route of ['per-row', 'raw', 'ours-v1', 'ours'] as const) {
        rates[route].push(await run(route));
      }
    }
    return {
      events: load.clients * load.batches * load.size,
      ours: median(rates.ours),
      oursV1: median(rates['ours-v1']),
      perRow: median(rates['per-row']),
      raw: median(rates.raw),
    };
  } finally {
    await pushClients.close();
    await server.close();
    await store.query('DROP TABLE IF EXISTS bench_raw, bench_per_row');
  }
}

/**
 * A push that lost events would look fast: after each run, every client's scope must hold, in
 * the table its side writes to, one row per todo it created, and the todos its updates reached
 * must show the update (title `…, edited`, `done` true). Throws naming the side otherwise.
 */
async function expectStored(
  store: SyncStore,
  route: Route,
  clients: { scope: string; batches: OutboxEvent[][] }[],
): Promise<void> {
  const from = route.startsWith('ours')
    ? `swsync_records WHERE model = 'Todo' AND record IS NOT NULL AND`
    : `${route === 'raw' ? 'bench_raw' : 'bench_per_row'} WHERE`;
  const counted = await store.query<{ scope: string; rows: number; updated: number }>(
    `SELECT scope, count(*)::int AS rows,
            count(*) FILTER (WHERE record->>'done' = 'true'
                               AND record->>'title' LIKE '%, edited')::int AS updated
       FROM ${from} scope IN (SELECT jsonb_array_elements_text($1::text::jsonb))
      GROUP BY scope`,
    [JSON.stringify(clients.map((c) => c.scope))],
  );
  for (const { scope, batches } of clients) {
    const ids = new Set<string>();
    const updates = new Set<string>();
    for (const event of batches.flat()) {
      const { id } = event.payload as { id: string };
      ids.add(id);
      if (event.operation === 'update') updates.add(id);
    }
    const found = counted.find((row) => row.scope === scope);
    if (found?.rows !== ids.size || found.updated !== updates.size) {
      throw new Error(
        `push bench (${route}): scope ${scope} holds ${found?.rows ?? 0} todos, ${found?.updated ?? 0} of them updated; expected ${ids.size} and ${updates.size}`,
      );
    }
  }
}

/**
 * The per-row baseline's route, what sync tutorials do: for each event, one transaction that
 * selects the row from `bench_per_row` and then inserts or updates it.
 */
export function perRowPush(store: SyncStore): (c: Context) => Promise<Response> {
  return async (c) => {
    const { events } = (await c.req.json()) as { events: OutboxEvent[] };
    const scope = c.req.header('x-bench-user');
    for (const event of events) {
      const payload = event.payload as { id: string };
      await store.transaction(async (tx) => {
        const [row] = await tx.query<{ record: object }>(
          'SELECT record FROM bench_per_row WHERE scope = $1 AND key = $2',
          [scope, payload.id],
        );
        if (row) {
          await tx.query(
            'UPDATE bench_per_row SET record = $3::text::jsonb WHERE scope = $1 AND key = $2',
            [scope, payload.id, JSON.stringify({ ...row.record, ...payload })],
          );
        } else {
          await tx.query(
            'INSERT INTO bench_per_row (scope, key, record) VALUES ($1, $2, $3::text::jsonb)',
            [scope, payload.id, JSON.stringify(payload)],
          );
        }
      });
    }
    return c.json(events.map((e) => ({ id: e.id, error: null })));
  };
}

/** The raw baseline's route: one multi-row upsert of the batch into `bench_raw`, no checks. */
export function rawPush(store: SyncStore): (c: Context) => Promise<Response> {
  return async (c) => {
    const { events } = (await c.req.json()) as { events: OutboxEvent[] };
    await store.query(
      `INSERT INTO bench_raw (scope, key, record)
       SELECT $1, e->>'id', e FROM jsonb_array_elements($2::text::jsonb) AS e
       ON CONFLICT (scope, key) DO UPDATE SET record = bench_raw.record || EXCLUDED.record`,
      [c.req.header('x-bench-user'), JSON.stringify(events.map((e) => e.payload))],
    );
    return c.json(events.map((e) => ({ id: e.id, error: null })));
  };
}

/** The baselines' tables, made anew: `bench_raw` and `bench_per_row`. */
export async function createBaselineTables(store: SyncStore): Promise<void> {
  for (const table of ['bench_raw', 'bench_per_row']) {
    await store.query(`DROP TABLE IF EXISTS ${table}`);
    await store.query(
      `CREATE TABLE ${table} (scope text NOT NULL, key text NOT NULL, record jsonb NOT NULL,
       PRIMARY KEY (scope, key))`,
    );
  }
}

/**
 * A client's push bodies, in order: v1 bodies (event ids only), or bodies with outbox counters
 * numbering its events from 1, as the engine sends them with `outboxCounters: true`.
 */
export function pushBodies(scope: string, batches: OutboxEvent[][], v1: boolean): object[] {
  let seq = 0;
  return batches.map((events) => {
    if (v1) return { events, clientId: scope };
    // The engine's front: the oldest event still queued, the batch's first (each batch is
    // sent once the one before it is settled).
    const outboxFront = seq + 1;
    return {
      events: events.map((event) => ({ ...event, outboxSeq: ++seq })),
      clientId: scope,
      outboxId: scope,
      outboxFront,
    };
  });
}

/** A client's batches: creates of new todos, then updates of the same todos. */
export function batchesFor(scope: string, boardId: string, load: PushHttpLoad): OutboxEvent[][] {
  const at = new Date().toISOString();
  const creates = Math.ceil(load.batches / 2);
  return Array.from({ length: load.batches }, (_, b) =>
    Array.from({ length: load.size }, (_, i): OutboxEvent => {
      const id = `${scope}-${(b % creates) * load.size + i}`;
      const update = b >= creates;
      return {
        id: randomUUID(),
        entityType: 'Todo',
        entityKeyPath: [id],
        operation: update ? 'update' : 'create',
        payload: update
          ? { id, title: `todo ${i}, edited`, done: true, updatedAt: at }
          : { id, boardId, title: `todo ${i}`, done: false, createdAt: at, updatedAt: at },
        createdAt: at,
      };
    }),
  );
}
