import { writeFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { type SyncStore, syncRoutes } from 'swsync/server';
import { demoSchema } from '../demo/schema.ts';
import { startBenchBrowser } from './browser.ts';
import { countLocal, expectCount } from './check.ts';
import { type ProgressPoint, syncFromEmpty } from './initial-sync.ts';
import { seedScope } from './seed-scope.ts';
import { attachServiceWorker } from './worker-cdp.ts';

export interface LargeSyncOptions {
  records: number;
  /** Where to write the worker's CPU profile of the whole sync (`.cpuprofile`); none if unset. */
  profileFile?: string;
  log?: (line: string) => void;
}

export interface LargeSyncResult {
  records: number;
  seedMs: number;
  ms: number;
  recordsPerSec: number;
  /**
   * The worker's V8 heap in use, bytes: after a GC once the first progress report arrived and
   * at the end, and the highest of the samples taken every 5 s in between (no GC).
   */
  heap: { start: number; peak: number; end: number };
  progress: {
    /** The last count the page saw before `done`, and the total the server gave. */
    last: number;
    total: number | null;
    reports: number;
    /** Longest time between two progress reports, ms, and when it began. */
    longestGapMs: number;
    gapAtMs: number;
    /** Records counted in the last 10 % of the run's time: 0 would mean the count stopped. */
    countedInLastTenth: number;
    /** Records/s in each tenth of the run's time, from the progress reports. */
    ratesByTenth: number[];
  };
}

const USER = 'bench-initial-sync-1m';

/**
 * One first sync of `records` records (~300 B) into a fresh Chromium profile: the page SDK and
 * the real worker against the real routes, as `initial-sync-vs-raw` runs it, once (no baseline:
 * the row reports whether it completes with the worker's heap flat). The server's rows are
 * generated inside the database (`seedScope`). The worker is watched through DevTools: heap at
 * the start (first progress report) and the end, after a GC, and every 5 s; optionally a CPU profile of the whole sync.
 * The page's progress reports show whether the count keeps counting to the end (it once
 * stopped after the engine's 150 s run budget): the run throws unless the last report counted
 * every record, and unless the page's IndexedDB holds every record afterwards.
 */
export async function benchInitialSyncLarge(
  store: SyncStore,
  options: LargeSyncOptions,
): Promise<LargeSyncResult> {
  const log = options.log ?? (() => {});
  const seedStarted = performance.now();
  await seedScope(store, USER, options.records);
  const seedMs = performance.now() - seedStarted;
  log(`seeded ${options.records} records in ${(seedMs / 1000).toFixed(1)} s`);
  const app = new Hono();
  app.route('/api/sync', syncRoutes({ store, schema: demoSchema, auth: () => USER }));
  const bench = await startBenchBrowser(app, { '/engine-sw.js': 'engine-worker.ts' });
  try {
    return await bench.inFreshContext(async (context, page) => {
      const syncing = syncFromEmpty(page);
      const devtools = await attachServiceWorker(context);
      // The start: the engine running, its first page applied.
      for (let i = 0; i < 600; i++) {
        const reports = await page.evaluate(
          () => (window as unknown as { benchProgress?: unknown[] }).benchProgress?.length ?? 0,
        );
        if (reports > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const start = await devtools.heapUsed(true);
      if (options.profileFile) await devtools.startProfile();
      let peak = start;
      let done = false;
      const sampling = (async () => {
        while (!done) {
          await new Promise((resolve) => setTimeout(resolve, 5000));
          if (done) break;
          const used = await devtools.heapUsed();
          peak = Math.max(peak, used);
          log(`  heap ${(used / 1e6).toFixed(1)} MB`);
        }
      })();
      const { ms, progress } = await syncing.finally(() => {
        done = true;
      });
      await sampling;
      if (options.profileFile) {
        await writeFile(options.profileFile, JSON.stringify(await devtools.stopProfile()));
        log(`worker CPU profile: ${options.profileFile}`);
      }
      const end = await devtools.heapUsed(true);
      await devtools.detach();
      // A sync that lost records, or whose count stopped short, would look fast.
      const stored = await countLocal(page, 'bench', ['Board', 'Todo']);
      expectCount('initial-sync-1m bench: records in IndexedDB', stored, options.records);
      const summary = summarize(progress, ms);
      expectCount(
        'initial-sync-1m bench: the progress total',
        summary.total ?? undefined,
        options.records,
      );
      expectCount('initial-sync-1m bench: the last progress count', summary.last, options.records);
      return {
        records: options.records,
        seedMs,
        ms,
        recordsPerSec: (options.records / ms) * 1000,
        heap: { start, peak, end },
        progress: summary,
      };
    });
  } finally {
    await bench.close();
  }
}

function summarize(points: ProgressPoint[], ms: number): LargeSyncResult['progress'] {
  let longestGapMs = 0;
  let gapAtMs = 0;
  for (let i = 1; i < points.length; i++) {
    const gap = points[i]!.ms - points[i - 1]!.ms;
    if (gap > longestGapMs) [longestGapMs, gapAtMs] = [gap, points[i - 1]!.ms];
  }
  const last = points.at(-1);
  const before = points.filter((p) => p.ms < ms * 0.9).at(-1);
  const countAt = (at: number) => points.filter((p) => p.ms <= at).at(-1)?.records ?? 0;
  const ratesByTenth = Array.from({ length: 10 }, (_, i) =>
    Math.round(((countAt((ms * (i + 1)) / 10) - countAt((ms * i) / 10)) / (ms / 10)) * 1000),
  );
  return {
    last: last?.records ?? 0,
    total: last?.total ?? null,
    reports: points.length,
    longestGapMs,
    gapAtMs,
    countedInLastTenth: (last?.records ?? 0) - (before?.records ?? 0),
    ratesByTenth,
  };
}
