import { openPGliteStore, openPostgresStore, type SyncStore } from 'swsync/server';
import { createTestDatabase } from '../server/testing/index.ts';
import { benchDrain } from './drain.ts';
import { benchInitialSync } from './initial-sync.ts';
import { benchPush } from './push.ts';

/**
 * `npm run bench`: every figure is a ratio against a baseline measured in the same run, on the
 * same store, so machines of different speed report comparable numbers.
 */
async function main() {
  const events = Number(process.env.BENCH_EVENTS ?? 1000);
  const targets: { name: string; open(): Promise<{ store: SyncStore; done(): Promise<void> }> }[] =
    [
      {
        name: 'PGlite (in memory)',
        open: async () => {
          const store = await openPGliteStore();
          return { store, done: () => store.close() };
        },
      },
    ];
  if (process.env.DATABASE_URL) {
    targets.push({
      name: 'PostgreSQL',
      open: async () => {
        const db = await createTestDatabase();
        const store = await openPostgresStore({ url: db.url });
        return {
          store,
          done: async () => {
            await store.close();
            await db.drop();
          },
        };
      },
    });
  }
  for (const target of targets) {
    const { store, done } = await target.open();
    try {
      const r = await benchPush(store, events);
      const perSec = (ms: number) => Math.round((r.events / ms) * 1000);
      console.log(
        `${target.name}: push ${r.events} events — batches of 100: ${r.batchedMs.toFixed(0)} ms ` +
          `(${perSec(r.batchedMs)}/s); one per push (baseline): ${r.oneByOneMs.toFixed(0)} ms ` +
          `(${perSec(r.oneByOneMs)}/s); batched is ${(r.oneByOneMs / r.batchedMs).toFixed(1)}x the baseline`,
      );
    } finally {
      await done();
    }
  }
  await initialSync(Number(process.env.BENCH_RECORDS ?? 20_000));
  await drain(Number(process.env.BENCH_DRAIN_WRITES ?? 1000));
}

/** Chromium, on the embedded store: how fast a fresh browser profile gets its records. */
async function initialSync(records: number) {
  const store = await openPGliteStore();
  try {
    const r = await benchInitialSync(store, records);
    const perSec = (ms: number) => Math.round((r.records / ms) * 1000);
    console.log(
      `Chromium: initial sync of ${r.records} records — ours ${r.oursMs.toFixed(0)} ms ` +
        `(${perSec(r.oursMs)}/s); one fetch + one bulk put (baseline): ${r.baselineMs.toFixed(0)} ms ` +
        `(${perSec(r.baselineMs)}/s); ours is ${(r.baselineMs / r.oursMs).toFixed(2)}x the baseline`,
    );
  } finally {
    await store.close();
  }
}

/** Chromium, on the embedded store: writes made offline, drained once online again. */
async function drain(writes: number) {
  const store = await openPGliteStore();
  try {
    const r = await benchDrain(store, writes);
    const perSec = (ms: number) => Math.round((r.writes / ms) * 1000);
    console.log(
      `Chromium: drain of ${r.writes} offline writes — ours ${r.oursMs.toFixed(0)} ms ` +
        `(${perSec(r.oursMs)}/s); workbox-background-sync Queue (baseline): ` +
        `${r.baselineMs.toFixed(0)} ms (${perSec(r.baselineMs)}/s); ours is ` +
        `${(r.baselineMs / r.oursMs).toFixed(1)}x the baseline`,
    );
  } finally {
    await store.close();
  }
}

await main();
