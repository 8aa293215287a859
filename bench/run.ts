import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { openPGliteStore, openPostgresStore, type SyncStore } from 'swsync/server';
import { createTestDatabase } from '../server/testing/index.ts';
import { benchBigListLive } from './big-list-live.ts';
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

/**
 * The numeric settings, read and checked once at startup: a value that is set but is not a
 * whole number ≥ 1 (empty, malformed, fractional, zero or negative) throws at once, naming the
 * variable, instead of turning into NaN or 0 minutes into the run.
 */
function readSettings() {
  const int = (name: string, fallback: number): number => {
    const raw = process.env[name];
    if (raw === undefined) return fallback;
    const text = raw.trim();
    const value = Number(text);
    if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      throw new Error(`${name} must be a whole number ≥ 1 (got ${JSON.stringify(raw)})`);
    }
    return value;
  };
  const settings = {
    trials: int('BENCH_TRIALS', 3),
    pushBatches: int('BENCH_PUSH_BATCHES', 20),
    pullRecords: int('BENCH_PULL_RECORDS', 100_000),
    scaleRows: int('BENCH_SCALE_ROWS', 10_000_000),
    scaleScopes: int('BENCH_SCALE_SCOPES', 10_000),
    scaleSamples: int('BENCH_SCALE_SAMPLES', 30),
    records: int('BENCH_RECORDS', 50_000),
    records1m: int('BENCH_1M_RECORDS', 1_000_000),
    drainWrites: int('BENCH_DRAIN_WRITES', 5000),
    samples: int('BENCH_SAMPLES', 200),
    convergence: int('BENCH_CONVERGENCE', 200),
    todos: int('BENCH_TODOS', 10_000),
    repeats: int('BENCH_REPEATS', 10),
  };
  // The scale bench's small side has BENCH_SCALE_SCOPES / 1000 personal scopes (and rows / 1000
  // rows): it pulls from half of them (at most 10) and pushes to the others, so it needs at least
  // 2 whole scopes; with fewer it would pull an empty scope that does not exist, and pass.
  const { scaleRows: rows, scaleScopes: scopes } = settings;
  if (scopes < SCALE_MIN_SCOPES || scopes % SCALE_DIVISOR !== 0) {
    throw new Error(
      `BENCH_SCALE_SCOPES must be a multiple of ${SCALE_DIVISOR} and at least ${SCALE_MIN_SCOPES} (got ${scopes}): the scale bench's small side has 1/${SCALE_DIVISOR} of the scopes and needs 2 of them, one to pull from and one to push to`,
    );
  }
  if (rows % scopes !== 0) {
    throw new Error(
      `BENCH_SCALE_ROWS must be a multiple of BENCH_SCALE_SCOPES (got ${rows} rows for ${scopes} scopes)`,
    );
  }
  return settings;
}

/** The scale bench's small side has 1/1000 of the big side's rows and scopes. */
const SCALE_DIVISOR = 1000;
const SCALE_MIN_SCOPES = 2 * SCALE_DIVISOR;

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/**
 * `BENCH_ONLY=push,pull`: run only the groups whose name starts with one of the given words
 * (groups: push-http, push-pglite, pull, initial-sync, drain, latency, convergence, big-list,
 * big-list-live,
 * and behind their flags scale and initial-sync-1m). Unset: all of them.
 */
const only = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((word) => word.trim())
  .filter((word) => word !== '');
const runs = (group: string) => only.length === 0 || only.some((word) => group.startsWith(word));

/** A group of rows: `enabled` says whether this run measures it (flags, `BENCH_ONLY`). */
interface Group {
  name: string;
  enabled: boolean;
  run(keep: (row: BenchRow) => void): Promise<void>;
}

/**
 * `npm run bench`: every benchmark and its baseline in the same run, interleaved, medians of
 * `BENCH_TRIALS`; prints a table and writes `bench/results.json`. The PostgreSQL rows need
 * `DATABASE_URL` (a database of its own is created and dropped).
 *
 * Each group runs on its own: one that throws is reported and the others still run, and
 * `results.json` is written after every group, so a later crash keeps what was measured; the
 * process exits non-zero if any group failed. Every row's note ends with when (UTC minute) and
 * on which commit it was measured. Without `BENCH_ONLY` the file holds only this run's rows;
 * with it, the rows of the groups left out are kept from the last file (and named).
 */
async function main() {
  let settings: ReturnType<typeof readSettings>;
  try {
    settings = readSettings();
  } catch (error) {
    console.error(`bench: ${(error as Error).message}`);
    process.exitCode = 2;
    return;
  }
  const { trials } = settings;
  const commit = gitCommit();
  const last = only.length > 0 ? await readLast() : [];
  const rows: BenchRow[] = [];
  const keep = (row: BenchRow) => {
    const measured = `measured ${new Date().toISOString().slice(0, 16)}Z${commit ? ` on ${commit}` : ''}`;
    const stamped = { ...row, note: `${row.note} · ${measured}` };
    rows.push(stamped);
    console.log(
      `${row.name}: ours ${row.ours} ${row.unit}, baseline ${row.baseline}, ratio ${row.ratio}`,
    );
  };
  const load = { clients: 8, batches: settings.pushBatches, size: 100, trials };
  const groups: Group[] = [
    {
      name: 'push-http',
      enabled: Boolean(process.env.DATABASE_URL) && runs('push-http'),
      run: async (keep) => {
        const r = await withPostgres((store) => benchPushHttp(store, load));
        const note = `${load.clients} clients × ${load.batches} batches of ${load.size}, creates then updates, v1 bodies (event ids only, the engine's default); outbox counters: ${Math.round(r.ours)} events/s`;
        keep(rate('push-http-vs-per-row', r.oursV1, r.perRow, `${note}; baseline: per-row`));
        keep(rate('push-http-vs-raw', r.oursV1, r.raw, `${note}; baseline: multi-row upsert`));
      },
    },
    {
      name: 'push-pglite',
      enabled: runs('push-pglite'),
      run: async (keep) => {
        const r = await withPGlite((store) => benchPushHttp(store, load));
        keep(
          rate(
            'push-pglite-vs-raw',
            r.oursV1,
            r.raw,
            `the embedded store, same load, v1 bodies (event ids only, the engine's default); outbox counters: ${Math.round(r.ours)} events/s`,
          ),
        );
      },
    },
    {
      name: 'pull',
      enabled: runs('pull'),
      run: async (keep) => {
        const records = settings.pullRecords;
        const onPostgres = Boolean(process.env.DATABASE_URL);
        const bench = (store: SyncStore) => benchPullHttp(store, records, trials);
        const r = await (onPostgres ? withPostgres(bench) : withPGlite(bench));
        const note = `${records} records of one scope, pages of 1000, ${onPostgres ? 'PostgreSQL' : 'PGlite'}`;
        keep(
          rate('pull-vs-raw', r.ours, r.raw, `${note}; baseline: raw indexed SELECT`, 'records/s'),
        );
        keep(
          rate(
            'pull-vs-n-plus-1',
            r.ours,
            r.nPlusOne,
            `${note}; baseline: changelog page, then one query per record`,
            'records/s',
          ),
        );
      },
    },
    // Minutes of seeding: only with BENCH_SCALE=1.
    {
      name: 'scale',
      enabled:
        Boolean(process.env.DATABASE_URL) && process.env.BENCH_SCALE === '1' && runs('scale'),
      run: async (keep) => {
        const rows = settings.scaleRows;
        const scopes = settings.scaleScopes;
        const r = await benchScale({
          big: { rows, scopes, shared: Math.min(1000, scopes / 2) },
          small: { rows: rows / SCALE_DIVISOR, scopes: scopes / SCALE_DIVISOR, shared: 0 },
          samples: settings.scaleSamples,
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
      },
    },
    {
      name: 'initial-sync',
      enabled: runs('initial-sync'),
      run: async (keep) => {
        const r = await withPGlite((store) => benchInitialSync(store, settings.records, trials));
        const perSec = Math.round((r.records / r.oursMs) * 1000);
        keep(
          cost(
            'initial-sync-vs-raw',
            r.oursMs,
            r.baselineMs,
            `${r.records} records of ${Math.round(r.recordBytes)} B on average (JSON), ${perSec} records/s; server on the embedded store`,
          ),
        );
      },
    },
    // Minutes in Chromium: only with BENCH_1M=1.
    {
      name: 'initial-sync-1m',
      enabled: process.env.BENCH_1M === '1' && runs('initial-sync-1m'),
      run: async (keep) => {
        const onPostgres = Boolean(process.env.DATABASE_URL);
        const bench = (store: SyncStore) =>
          benchInitialSyncLarge(store, {
            records: settings.records1m,
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
      },
    },
    {
      name: 'drain',
      enabled: runs('drain'),
      run: async (keep) => {
        const r = await withPGlite((store) => benchDrain(store, settings.drainWrites, trials));
        keep(cost('drain-vs-workbox', r.oursMs, r.baselineMs, `${r.writes} offline writes`));
      },
    },
    {
      name: 'latency',
      enabled: runs('latency'),
      run: async (keep) => {
        const r = await withPGlite((store) => benchLatency(store, settings.samples, trials));
        const note = `medians of ${r.samples} samples, raw IndexedDB from the page as baseline`;
        keep(cost('write-latency-vs-idb', r.write.oursMs, r.write.baselineMs, `create; ${note}`));
        keep(cost('read-latency-vs-idb', r.get.oursMs, r.get.baselineMs, `get by key; ${note}`));
        keep(
          cost(
            'read-list-latency-vs-idb',
            r.list.oursMs,
            r.list.baselineMs,
            `100 by index; ${note}`,
          ),
        );
      },
    },
    {
      name: 'convergence',
      enabled: runs('convergence'),
      run: async (keep) => {
        const r = await withPGlite((store) => benchConvergence(store, settings.convergence));
        keep({
          name: 'convergence-ms',
          unit: 'ms',
          ours: r.p50Ms,
          baseline: null,
          ratio: null,
          note: `p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms over ${r.writes} writes, two devices, realtime on`,
        });
      },
    },
    {
      name: 'big-list',
      enabled: runs('big-list'),
      run: async (keep) => {
        const { todos } = settings;
        const { keyed, redraw } = await benchListRender(todos, settings.repeats);
        const note = (was: number) => `${todos} todos; a full redraw takes ${was.toFixed(1)} ms`;
        keep(report('big-list-toggle-ms', keyed.toggleMs, note(redraw.toggleMs)));
        keep(report('big-list-add-ms', keyed.addMs, note(redraw.addMs)));
      },
    },
    {
      name: 'big-list-live',
      enabled: runs('big-list-live'),
      run: async (keep) => {
        const { todos, repeats } = settings;
        const r = await withPGlite((store) => benchBigListLive(store, todos, repeats, trials));
        keep(
          report(
            'big-list-live-toggle-ms',
            r.toggleMs,
            `${todos} todos on one board; an update until the board's live query delivers it, the real worker, offline; one read of the board's todos takes ${r.readMs.toFixed(1)} ms`,
          ),
        );
      },
    },
  ];

  const failed: { name: string; error: unknown }[] = [];
  // BENCH_ONLY: the rows of the last file that this run did not measure stay, as they were.
  const write = () => writeFile(RESULTS, `${JSON.stringify(mergeWithLast(rows, last), null, 2)}\n`);
  for (const group of groups) {
    if (!group.enabled) continue;
    try {
      await group.run(keep);
    } catch (error) {
      failed.push({ name: group.name, error });
      console.error(`bench: group ${group.name} failed:`, error);
    }
    await write();
  }
  console.table(rows);
  const kept = mergeWithLast(rows, last).filter((row) => !rows.includes(row));
  if (kept.length > 0) {
    console.log(
      `kept from the last results.json (not measured in this run): ${kept.map((row) => row.name).join(', ')}`,
    );
  }
  if (failed.length > 0) {
    for (const { name, error } of failed) {
      console.error(`bench: FAILED ${name}: ${error instanceof Error ? error.message : error}`);
    }
    process.exitCode = 1;
  }
}

/**
 * The commit measured, `git rev-parse --short HEAD`, with `+dirty` when the tree has changes;
 * null without git (the notes then give the date only).
 */
function gitCommit(): string | null {
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const head = git('rev-parse', '--short', 'HEAD').trim();
    const dirty = git('status', '--porcelain').trim() !== '';
    return `${head}${dirty ? '+dirty' : ''}`;
  } catch {
    return null;
  }
}

const RESULTS = new URL('./results.json', import.meta.url);

/** The rows of the last `results.json`, read before this run writes it: none if unreadable. */
async function readLast(): Promise<BenchRow[]> {
  try {
    return JSON.parse(await readFile(RESULTS, 'utf8')) as BenchRow[];
  } catch {
    // No results yet (or unreadable): this run's rows are all there is.
    return [];
  }
}

/**
 * The rows of this run, in place of the same names in `last` (the file as it was before this
 * run): used under `BENCH_ONLY`, where the other rows are kept as they were (each row's note
 * says when and on which commit it was measured). `last` is empty without `BENCH_ONLY`.
 */
function mergeWithLast(rows: BenchRow[], last: BenchRow[]): BenchRow[] {
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
