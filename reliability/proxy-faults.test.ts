import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoSchema } from '../demo/schema.ts';
import type { EngineOptions } from '../sw/engine/options.ts';
import { DEFAULT_BACKOFF } from '../sw/sync/backoff.ts';
import { type FaultProxy, PASS, type ProxyFault, startFaultProxy } from './proxy.ts';
import { Rng } from './support/prng.ts';
import {
  demoEngine,
  liveRecords,
  localRecords,
  openReliabilityStore,
  type ReliabilityStore,
  type ServedRoutes,
  serveDemoRoutes,
  serverState,
  sleep,
  sorted,
  type TestEngine,
} from './support/servers.ts';
import { Ledger, Writer } from './support/workload.ts';

const SEED = Number(process.env.RELIABILITY_SEED ?? 20261129);

let db: ReliabilityStore;
let server: ServedRoutes;
let proxy: FaultProxy;
beforeAll(async () => {
  db = await openReliabilityStore();
  server = await serveDemoRoutes(db.store);
  proxy = await startFaultProxy(server.url);
});
afterAll(async () => {
  await proxy?.close();
  await server?.close();
  await db?.close();
});

interface Client extends TestEngine {
  name: string;
  writer: Writer;
}

/** `count` engines per user, each with its own keys, all through the proxy. */
async function clients(
  tag: string,
  users: number,
  perUser: number,
  options: Partial<EngineOptions<DemoSchema>> = {},
) {
  const all: Client[] = [];
  const ledgers = new Map<string, Ledger>();
  for (let u = 0; u < users; u++) {
    const user = `${tag}-u${u}-${Date.now().toString(36)}`;
    const ledger = new Ledger();
    ledgers.set(user, ledger);
    for (let c = 0; c < perUser; c++) {
      const name = `${user}-c${c}`;
      const engine = await demoEngine(user, name, {
        endpoint: `${proxy.url}/api/sync`,
        requestTimeoutMs: 800,
        ...options,
      });
      all.push({ ...engine, name, writer: new Writer(user, name, ledger) });
    }
  }
  return { all, ledgers };
}

/**
 * With the proxy passing again: every client drains its outbox (explicit syncs, bounded), then
 * every event took effect exactly once and every client holds exactly the server's records.
 */
async function expectExactlyOnceAndConverged(all: Client[], ledgers: Map<string, Ledger>) {
  proxy.setPolicy(PASS);
  for (let round = 0; round < 20; round++) {
    const statuses = await Promise.all(all.map((c) => c.engine.sync('manual')));
    if (statuses.every((s) => s.pending === 0 && s.lastError === null)) break;
  }
  for (const [user, ledger] of ledgers) {
    const state = await serverState(db.store, user);
    expect(ledger.diff(state), `user ${user}`).toEqual([]);
  }
  // A last pull each, now that every writer has pushed.
  await Promise.all(all.map((c) => c.engine.sync('manual')));
  for (const c of all) {
    const live = liveRecords(await serverState(db.store, c.writer.user));
    expect(sorted(await localRecords(c.engine)), c.name).toEqual(sorted(live));
    expect(c.rejections, c.name).toEqual([]);
    expect(await c.engine.status()).toMatchObject({ pending: 0, lastError: null });
  }
  expect(server.errors).toEqual([]);
}

const closeAll = (all: Client[]) => Promise.all(all.map((c) => c.engine.close()));

describe('engines writing through the fault proxy', () => {
  it('every mutation takes effect exactly once and every client converges, under random faults', async () => {
    const rng = new Rng(SEED);
    const { all, ledgers } = await clients('mix', 2, 3, {
      backoff: { baseMs: 50, capMs: 400 },
      random: rng.next,
    });
    const faults = new Map<string, number>();
    proxy.setPolicy(() => {
      const kind = rng.weighted({
        pass: 40,
        delay: 10,
        drop: 8,
        truncate: 8,
        resetBefore: 6,
        resetAfter: 10,
        s503: 6,
        s503RetryAfter: 3,
        s429: 5,
        s429RetryAfter: 4,
      });
      faults.set(kind, (faults.get(kind) ?? 0) + 1);
      const fault: Record<typeof kind, ProxyFault> = {
        pass: { kind: 'pass' },
        delay: { kind: 'delay', ms: rng.int(10, 400) },
        drop: { kind: 'drop', holdMs: 3_000 },
        truncate: { kind: 'truncate' },
        resetBefore: { kind: 'reset', when: 'before' },
        resetAfter: { kind: 'reset', when: 'after' },
        s503: { kind: 'status', status: 503 },
        s503RetryAfter: { kind: 'status', status: 503, retryAfter: '1' },
        s429: { kind: 'status', status: 429 },
        s429RetryAfter: { kind: 'status', status: 429, retryAfter: '0' },
      };
      return fault[kind];
    });
    // 120 writes spread over the clients, each followed by the trigger a host would send;
    // their own retry timers run meanwhile. Bounded: 120 iterations of at most ~40 ms pause.
    for (let i = 0; i < 120; i++) {
      const c = rng.pick(all);
      await c.writer.write(c.engine, rng);
      void c.engine.sync(rng.pick(['write', 'poke', 'manual']));
      await sleep(rng.int(0, 40));
    }
    await sleep(1_000);
    // The fault mix really happened: otherwise this test would pass on a calm network.
    for (const kind of ['drop', 'truncate', 'resetBefore', 'resetAfter', 's503', 's429']) {
      expect(faults.get(kind), kind).toBeGreaterThan(0);
    }
    await expectExactlyOnceAndConverged(all, ledgers);
    await closeAll(all);
  });
});

/**
 * The most requests one client can make in a window of `windowMs` when its k-th consecutive
 * failure waits at least `minDelay(k)` ms: request n cannot come before the sum of the first
 * n-1 waits.
 */
function maxRequestsIn(windowMs: number, minDelay: (attempt: number) => number): number {
  let requests = 1;
  let elapsed = 0;
  for (;;) {
    elapsed += minDelay(requests);
    if (elapsed > windowMs) return requests;
    requests++;
  }
}

/**
 * Full jitter draws each delay uniformly in `[0, min(cap, base·2^(k-1)))`. The jitter source
 * here is seeded and draws from [0.5, 1), so each wait is at least half its ceiling: the bound
 * then follows from the formula alone, with the defaults (1 s base, 5 min cap).
 */
const halfJitter = (seed: number) => {
  const rng = new Rng(seed);
  return () => 0.5 + 0.5 * rng.next();
};
const formulaFloor = (attempt: number) =>
  Math.floor(
    0.5 * Math.min(DEFAULT_BACKOFF.capMs, DEFAULT_BACKOFF.baseMs * 2 ** Math.max(0, attempt - 1)),
  );

interface OutageCase {
  name: string;
  fault: ProxyFault;
  windowMs: number;
  minDelay: (attempt: number) => number;
  /** The host turns each `onRetryLater` into this trigger, as Chromium's Background Sync does. */
  hostTrigger?: string;
}

/**
 * Three clients with writes pending meet an outage of `windowMs` while a busy host keeps
 * triggering syncs (writes, pokes, timers: none may bypass the backoff). The requests each client
 * sends during the outage stay within the bound, then the outage ends and everything converges.
 */
async function outage(test: OutageCase, seed: number) {
  const rng = new Rng(seed);
  const { all, ledgers } = await clients(test.name, 1, 3, {
    random: halfJitter(seed),
    ...(test.hostTrigger
      ? {
          onRetryLater: () => {
            // Chromium fires a sync event ~50 ms after a tag registered while online.
            setTimeout(() => {
              for (const c of all) void c.engine.sync(test.hostTrigger);
            }, 50);
          },
        }
      : {}),
  });
  for (const c of all) for (let i = 0; i < 3; i++) await c.writer.write(c.engine, rng);
  await Promise.all(all.map((c) => c.engine.sync('manual')));

  proxy.setPolicy(() => test.fault);
  for (const c of all) await c.writer.write(c.engine, rng);
  const from = Date.now();
  await Promise.all(all.map((c) => c.engine.sync('manual')));
  // A busy host: a background trigger every 100 ms and a write now and then, bounded by time.
  const to = from + test.windowMs;
  while (Date.now() < to) {
    const c = rng.pick(all);
    if (rng.chance(0.1)) await c.writer.write(c.engine, rng);
    void c.engine.sync(rng.pick(['write', 'poke', 'timer', 'visible']));
    await sleep(100);
  }
  const bound = maxRequestsIn(test.windowMs, test.minDelay);
  const counts = all.map((c) => proxy.countFor(c.name, from, to));
  console.log(
    `[reliability] outage ${test.name}: requests per client in ${test.windowMs} ms = ${counts.join(', ')} (bound ${bound})`,
  );
  // It did retry (the outage was seen), and never more often than the backoff allows.
  for (const count of counts) {
    expect(count).toBeGreaterThanOrEqual(1);
    expect(count, `requests per client in ${test.windowMs} ms: ${counts}`).toBeLessThanOrEqual(
      bound,
    );
  }
  await expectExactlyOnceAndConverged(all, ledgers);
  await closeAll(all);
  return { counts, bound };
}

describe('request count during an outage stays within the backoff', () => {
  const formula = { windowMs: 6_000, minDelay: formulaFloor };

  it('503 without Retry-After: jittered exponential backoff', async () => {
    const { counts, bound } = await outage(
      { name: '503', fault: { kind: 'status', status: 503 }, ...formula },
      SEED + 1,
    );
    expect(bound).toBe(4);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(2);
  });

  it('connections reset: jittered exponential backoff', async () => {
    await outage({ name: 'reset', fault: { kind: 'reset', when: 'before' }, ...formula }, SEED + 2);
  });

  it('429 with Retry-After: 2 is honoured', async () => {
    await outage(
      {
        name: '429ra',
        fault: { kind: 'status', status: 429, retryAfter: '2' },
        windowMs: 5_000,
        minDelay: () => 2_000,
      },
      SEED + 3,
    );
  });

  // Issue #10 item 2: a Retry-After past setTimeout's limit (2^31-1 ms) made Node fire the
  // retry after 1 ms: ~300 requests per client in 3 s. Every delay is now capped at 5 min; the
  // bound asked is only the formula's (a fix may wait longer, never less).
  it('503 with a huge Retry-After waits the backoff cap, not 1 ms (issue #10 item 2)', async () => {
    await outage(
      {
        name: 'hugera',
        fault: { kind: 'status', status: 503, retryAfter: '2147484' },
        windowMs: 3_000,
        minDelay: formulaFloor,
      },
      SEED + 4,
    );
  });

  // Issue #10 item 1: a host that registers Background Sync on `onRetryLater` gets a `sync`
  // event at once while online, and the 'background-sync' trigger skipped the scheduled retry:
  // ~750 requests per client in 6 s, where the backoff allows 4.
  it('a Background Sync trigger does not bypass a scheduled retry (issue #10 item 1)', async () => {
    await outage(
      {
        name: 'bgsync',
        fault: { kind: 'status', status: 503 },
        hostTrigger: 'background-sync',
        ...formula,
      },
      SEED + 5,
    );
  });
});
