import { Hono } from 'hono';
import { PULL_LIMIT_MAX } from 'swsync/schema';
import { type SyncStore, syncRoutes } from 'swsync/server';
import { demoSchema } from '../demo/schema.ts';
import { median } from './median.ts';
import { seedScope } from './seed-scope.ts';
import { serveBench } from './serve.ts';

/** Records per second paging one scope's changelog through HTTP, medians of the trials. */
export interface PullHttpResult {
  records: number;
  ours: number;
  raw: number;
  nPlusOne: number;
}

type Route = 'ours' | 'raw' | 'n-plus-1';

const USER = 'bench-pull';
const PAGE = PULL_LIMIT_MAX;

/**
 * Pages `records` changes of one scope from the start, `PULL_LIMIT_MAX` per page, through the
 * HTTP pull route, against two baselines behind the same HTTP server on the same rows:
 * - `raw`: one prepared, indexed `SELECT ... WHERE scope = $1 AND seq > $2 ORDER BY seq LIMIT`
 *   per page, the rows serialised with `c.json`: what an endpoint with no sync logic does;
 * - `n-plus-1`: the changelog page (keys only), then one query per record for its state,
 *   awaited in turn: the pattern of an ORM loading each entry's record lazily.
 * Every client parses each page's JSON and follows the cursor the page gives; the runs check
 * that every record arrived. Trials interleave the three.
 */
export async function benchPullHttp(
  store: SyncStore,
  records: number,
  trials: number,
): Promise<PullHttpResult> {
  await seedScope(store, USER, records);
  const app = new Hono();
  app.route('/api/sync', syncRoutes({ store, schema: demoSchema, auth: () => USER }));
  app.post('/baseline/raw', async (c) => {
    const { after } = (await c.req.json()) as { after: number };
    const rows = await store.query<{ seq: string }>(
      `SELECT model, key, seq, version, operation, record, event_id, client_id
         FROM swsync_records WHERE scope = $1 AND seq > $2 AND NOT purged
        ORDER BY seq LIMIT $3`,
      [USER, after, PAGE],
    );
    return c.json({ rows, next: rows.length === PAGE ? Number(rows.at(-1)!.seq) : null });
  });
  app.post('/baseline/n-plus-1', async (c) => {
    const { after } = (await c.req.json()) as { after: number };
    const page = await store.query<{ model: string; key: string; seq: string }>(
      `SELECT model, key, seq FROM swsync_records WHERE scope = $1 AND seq > $2 AND NOT purged
        ORDER BY seq LIMIT $3`,
      [USER, after, PAGE],
    );
    const rows: unknown[] = [];
    for (const entry of page) {
      const [row] = await store.query(
        `SELECT model, key, seq, version, operation, record, event_id, client_id
           FROM swsync_records WHERE model = $1 AND key = $2`,
        [entry.model, entry.key],
      );
      rows.push(row);
    }
    return c.json({ rows, next: page.length === PAGE ? Number(page.at(-1)!.seq) : null });
  });
  const server = await serveBench(app);
  const { base } = server;
  const post = async (path: string, body: object): Promise<unknown> => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`bench pull ${path} failed: ${response.status}`);
    return response.json();
  };

  const run = async (route: Route): Promise<number> => {
    let received = 0;
    const started = performance.now();
    if (route === 'ours') {
      let cursor: string | null = null;
      for (;;) {
        const page = (await post('/api/sync/pull', { lastChangelogId: cursor, limit: PAGE })) as {
          cursor: string | null;
          hasMore: boolean;
          logsWithRecords: unknown[];
        };
        received += page.logsWithRecords.length;
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
    } else {
      let after: number | null = 0;
      while (after !== null) {
        const page = (await post(`/baseline/${route}`, { after })) as {
          rows: unknown[];
          next: number | null;
        };
        received += page.rows.length;
        after = page.next;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    if (received !== records) {
      throw new Error(`bench pull ${route}: ${received} records arrived of ${records}`);
    }
    return records / seconds;
  };
  try {
    const rates: Record<Route, number[]> = { ours: [], raw: [], 'n-plus-1': [] };
    // Warm-up, every side alike: JIT, plans, pages.
    for (const route of ['n-plus-1', 'raw', 'ours'] as const) await run(route);
    for (let i = 0; i < trials; i++) {
      for (const route of ['n-plus-1', 'raw', 'ours'] as const) {
        rates[route].push(await run(route));
      }
    }
    return {
      records,
      ours: median(rates.ours),
      raw: median(rates.raw),
      nPlusOne: median(rates['n-plus-1']),
    };
  } finally {
    await server.close();
  }
}
