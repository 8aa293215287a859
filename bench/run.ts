import { readFile, writeFile } from 'node:fs/promises';
import { openPGliteStore, openPostgresStore, type SyncStore } from 'swsync/server';
import { createTestDatabase } from '../server/testing/index.ts';
import { benchConvergence } from './convergence.ts';
import { benchDrain } from './drain.ts';
import { benchInitialSync } from './initial-sync.ts';
import { benchInitialSyncLarge } from './initial-sync-1m.ts';
import { benchLatency } from './latency.ts';
import { benchListRender } from './list-render.ts';
import { benchPullHttp } from './pull-http.ts';
import { benchPushHttp } from './push-http.ts';
import { benchScale } from './scale.ts';

/**
 * One row of `bench/results.json`. `ratio` is the baseline's cost divided by ours (higher is
 * better), null where there is no baseline.
 */
interface BenchRow {
  name: string;
  unit: string;
  ours: number;
  baseline: number | null;
  ratio: number | null;
  note: string;
}

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const trials = env('BENCH_TRIALS', 3);
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/**
 * `BENCH_ONLY=push,pull`: run only the groups whose name starts with one of the given words
 * (groups: push-http, push-pglite, pull, initial-sync, drain, latency, convergence, big-list,
 * and behind their flags scale and initial-sync-1m). Unset: all of them.
 */
const only = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((word) => word.trim())
  .filter((word) => word !== '');
const runs = (group: string) => only.length === 0 || only.some((word) => group.startsWith(word));

/**
 * `npm run bench`: every benchmark and its baseline in the same run, interleaved, medians of
 * `BENCH_TRIALS`; prints a table and writes `bench/results.json`. The PostgreSQL rows need
 * `DATABASE_URL` (a database of its own is created and dropped).
 */
async function main() {
  const rows: BenchRow[] = [];
  const keep = (row: BenchRow) => {
    rows.push(row);
    console.log(
      `${row.name}: ours ${row.ours} ${row.unit}, baseline ${row.baseline}, ratio ${row.ratio}`,
    );
  };
  const load = { clients: 8, batches: env('BENCH_PUSH_BATCHES', 20), size: 100, trials };
  if (process.env.DATABASE_URL && runs('push-http')) {
    const r = await withPostgres((store) => benchPushHttp(store, load));
    const note = `${load.clients} clients × ${load.batches} batches of ${load.size}, creates then updates, outbox counters (v1 bodies: ${Math.round(r.oursV1)} events/s)`;
    keep(rate('push-http-vs-per-row', r.ours, r.perRow, `${note}; baseline: per-row`));
    keep(rate('push-http-vs-raw', r.ours, r.raw, `${note}; baseline: multi-row upsert`));
  }
  if (runs('push-pglite')) {
    const r = await withPGlite((store) => benchPushHttp(store, load));
    keep(
      rate(
        'push-pglite-vs-raw',
        r.ours,
        r.raw,
        `the embedded store, same load, outbox counters (v1 bodies: ${Math.round(r.oursV1)} events/s)`,
      ),
    );
  }
  if (runs('pull')) {
    const records = env('BENCH_PULL_RECORDS', 100_000);
    const onPostgres = Boolean(process.env.DATABASE_URL);
    const bench = (store: SyncStore) => benchPullHttp(store, records, trials);
    const r = await (onPostgres ? withPostgres(bench) : withPGlite(bench));
    const note = `${records} records of one scope, pages of 1000, ${onPostgres ? 'PostgreSQL' : 'PGlite'}`;
    keep(rate('pull-vs-raw', r.ours, r.raw, `${note}; baseline: raw indexed SELECT`, 'records/s'));
    keep(
      rate(
        'pull-vs-n-plus-1',
        r.ours,
        r.nPlusOne,
        `${note}; baseline: changelog page, then one query per record`,
        'records/s',
      ),
    );
  }
  // Minutes of seeding: only with BENCH_SCALE=1.
  if (process.env.DATABASE_URL && process.env.BENCH_SCALE === '1' && runs('scale')) {
    const rows = env('BENCH_SCALE_ROWS', 10_000_000);
    const scopes = env('BENCH_SCALE_SCOPES', 10_000);
    const r = await benchScale({
      big: { rows, scopes, shared: Math.min(1000, scopes / 2) },
      small: { rows: rows / 1000, scopes: scopes / 1000, shared: 0 },
      samples: env('BENCH_SCALE_SAMPLES', 30),
      trials,
      explain: process.env.BENCH_SCALE_EXPLAIN === '1',
      log: console.log,
    });
    const { big, small } = r;
    const shapes = `${big.rows} rows in ${big.scopes} scopes vs ${small.rows} in ${small.scopes}`;
    const seeded = `seeded in ${Math.round(big.seedMs / 1000)} s`;
    const count = (statements: number[]) => statements.join(' or ');
    keep(
      cost(
        'scale-push-p50',
        big.push.p50Ms,
        small.push.p50Ms,
        `push of 100 (50 creates, 50 updates of seeded todos) over HTTP, PostgreSQL; ${shapes}; p50 of ${r.samples} each, interleaved; the transaction's p50 ${big.push.dbP50Ms.toFixed(1)} ms (small: ${small.push.dbP50Ms.toFixed(1)}); ${count(big.push.statements)} statements per push (small: ${count(small.push.statements)}); ${seeded}`,
      ),
    );
    keep(
      cost(
        'scale-pull-p50',
        big.pull.p50Ms,
        small.pull.p50Ms,
        `pull at head (nothing new) of one personal scope over HTTP; ${shapes}; p50 of ${r.samples} each, interleaved; the statement's p50 ${big.pull.dbP50Ms.toFixed(1)} ms (small: ${small.pull.dbP50Ms.toFixed(1)}); ${count(big.pull.statements)} statement per pull (small: ${count(small.pull.statements)})`,
      ),
    );
    const [few, many] = big.spaces;
    if (few && many) {
      keep(
        cost(
          'scale-spaces-pull-p50',
          many.p50Ms,
          few.p50Ms,
          `spaces pull at head of an account in ${many.scopes} scopes vs one in ${few.scopes}, both on the ${big.rows}-row database; statements per pull: ${count(many.statements)} vs ${count(few.statements)} (SET TRANSACTION, the scopes with their heads, the account log; the entries query is skipped when no scope moved); the transaction's p50 ${many.dbP50Ms.toFixed(1)} vs ${few.dbP50Ms.toFixed(1)} ms`,
        ),
      );
    }
  }
  if (runs('initial-sync')) {
    const records = env('BENCH_RECORDS', 50_000);
    const r = await withPGlite((store) => benchInitialSync(store, records, trials));
    const perSec = Math.round((r.records / r.oursMs) * 1000);
    keep(
      cost(
        'initial-sync-vs-raw',
        r.oursMs,
        r.baselineMs,
        `${r.records} records, ${perSec} records/s`,
      ),
    );
  }
  // Minutes in Chromium: only with BENCH_1M=1.
  if (process.env.BENCH_1M === '1' && runs('initial-sync-1m')) {
    const records = env('BENCH_1M_RECORDS', 1_000_000);
    const onPostgres = Boolean(process.env.DATABASE_URL);
    const bench = (store: SyncStore) =>
      benchInitialSyncLarge(store, {
        records,
        ...(process.env.BENCH_1M_PROFILE ? { profileFile: process.env.BENCH_1M_PROFILE } : {}),
        log: console.log,
      });
    const r = await (onPostgres ? withPostgres(bench) : withPGlite(bench));
    const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
    const p = r.progress;
    keep(
      report(
        'initial-sync-1m',
        r.ms,
        `${r.records} records (~300 B) from ${onPostgres ? 'PostgreSQL' : 'PGlite'}, ${Math.round(r.recordsPerSec)} records/s; worker heap ${mb(r.heap.start)} MB at the start, ${mb(r.heap.end)} MB at the end (after GC), at most ${mb(r.heap.peak)} MB in between; progress reached ${p.last} of ${p.total} (${p.countedInLastTenth} in the last tenth of the time, longest pause ${(p.longestGapMs / 1000).toFixed(1)} s); records/s by tenth of the time: ${p.ratesByTenth.join(', ')}`,
      ),
    );
  }
  if (runs('drain')) {
    const writes = env('BENCH_DRAIN_WRITES', 5000);
    const r = await withPGlite((store) => benchDrain(store, writes, trials));
    keep(cost('drain-vs-workbox', r.oursMs, r.baselineMs, `${r.writes} offline writes`));
  }
  if (runs('latency')) {
    const r = await withPGlite((store) => benchLatency(store, env('BENCH_SAMPLES', 200), trials));
    const note = `medians of ${r.samples} samples, raw IndexedDB from the page as baseline`;
    keep(cost('write-latency-vs-idb', r.write.oursMs, r.write.baselineMs, `create; ${note}`));
    keep(cost('read-latency-vs-idb', r.get.oursMs, r.get.baselineMs, `get by key; ${note}`));
    keep(
      cost('read-list-latency-vs-idb', r.list.oursMs, r.list.baselineMs, `100 by index; ${note}`),
    );
  }
  if (runs('convergence')) {
    const r = await withPGlite((store) => benchConvergence(store, env('BENCH_CONVERGENCE', 200)));
    keep({
      name: 'convergence-ms',
      unit: 'ms',
      ours: r.p50Ms,
      baseline: null,
      ratio: null,
      note: `p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms over ${r.writes} writes, two devices, realtime on`,
    });
  }
  if (runs('big-list')) {
    const todos = env('BENCH_TODOS', 10_000);
    const { keyed, redraw } = await benchListRender(todos, env('BENCH_REPEATS', 10));
    const note = (was: number) => `${todos} todos; a full redraw takes ${was.toFixed(1)} ms`;
    keep(report('big-list-toggle-ms', keyed.toggleMs, note(redraw.toggleMs)));
    keep(report('big-list-add-ms', keyed.addMs, note(redraw.addMs)));
  }
  console.table(rows);
  await writeFile(RESULTS, `${JSON.stringify(await mergeWithLast(rows), null, 2)}\n`);
}

const RESULTS = new URL('./results.json', import.meta.url);

/**
 * The rows of this run, in place of the same names in the last `results.json`: a run limited by
 * `BENCH_ONLY` keeps the other rows as they were (each row's note says how it was measured).
 */
async function mergeWithLast(rows: BenchRow[]): Promise<BenchRow[]> {
  let last: BenchRow[] = [];
  try {
    last = JSON.parse(await readFile(RESULTS, 'utf8')) as BenchRow[];
  } catch {
    // No results yet (or unreadable): this run's rows are all there is.
  }
  const fresh = new Map(rows.map((row) => [row.name, row]));
  const merged = last.map((row) => fresh.get(row.name) ?? row);
  for (const row of rows) if (!last.some((old) => old.name === row.name)) merged.push(row);
  return merged;
}

/** Throughput: higher is better, so the ratio is ours ÷ baseline. */
function rate(
  name: string,
  ours: number,
  baseline: number,
  note: string,
  unit = 'events/s',
): BenchRow {
  return {
    name,
    unit,
    ours: round(ours, 0),
    baseline: round(baseline, 0),
    ratio: round(ours / baseline),
    note,
  };
}

/** Time: lower is better, so the ratio is baseline ÷ ours. */
function cost(name: string, ours: number, baseline: number, note: string): BenchRow {
  // Latencies of a fraction of a millisecond keep their digits; long runs need none.
  const digits = Math.max(ours, baseline) < 100 ? 2 : 0;
  return {
    name,
    unit: 'ms',
    ours: round(ours, digits),
    baseline: round(baseline, digits),
    ratio: round(baseline / ours),
    note,
  };
}

function report(name: string, ours: number, note: string): BenchRow {
  return { name, unit: 'ms', ours: round(ours, 1), baseline: null, ratio: null, note };
}

async function withPGlite<T>(run: (store: SyncStore) => Promise<T>): Promise<T> {
  const store = await openPGliteStore();
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

async function withPostgres<T>(run: (store: SyncStore) => Promise<T>): Promise<T> {
  const db = await createTestDatabase();
  const store = await openPostgresStore({ url: db.url });
  try {
    return await run(store);
  } finally {
    await store.close();
    await db.drop();
  }
}

await main();
