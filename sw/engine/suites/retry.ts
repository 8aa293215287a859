import { randomUUID } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import type { SyncStatus } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../../demo/schema.ts';
import { MAX_TIMER_MS, nextRetryDelay } from '../../sync/backoff.ts';
import { engineOnClock as clockedEngine } from '../../testing/clocked-engine.ts';
import { board, todo } from '../../testing/demo-records.ts';
import { signedInEngine } from '../../testing/engines.ts';
import { type Fault, faultyFetch, ManualClock } from '../../testing/faults.ts';
import type { SyncFixture } from '../../testing/fixture.ts';
import type { EngineOptions } from '../options.ts';
import type { SyncReason } from '../types.ts';

/**
 * Retries under failure (issue #10): no trigger skips a scheduled retry but the user's syncNow
 * or an observed network change; delays capped; a restarted worker keeps its backoff; the
 * retry visible in the status.
 */
export function retrySuite(f: SyncFixture): void {
  type Opts = Partial<EngineOptions<typeof demoSchema>>;

  const engineOnClock = (user: string, options: Opts = {}) =>
    clockedEngine(user, { schema: demoSchema, endpoint: f.server.endpoint, ...options });

  /** Every background trigger a host or a page sends, each as it arrives in the engine. */
  const BACKGROUND: SyncReason[] = [
    'write',
    'poke',
    'visible',
    'startup',
    'timer',
    'online',
    'background-sync',
    'headers',
  ];

  describe('retry storms', () => {
    const outages: [string, Fault, number][] = [
      ['503', { status: 503 }, 0.5],
      ['503 with Retry-After: 30', { status: 503, headers: { 'retry-after': '30' } }, 0.5],
      ['connection resets', 'drop-request', 0.5],
      ['503 with the jitter at its top', { status: 503 }, 0.999_999],
    ];

    for (const [name, fault, jitter] of outages) {
      it(`a 10-minute outage (${name}) costs what the backoff allows, whatever triggers arrive`, async () => {
        const user = randomUUID();
        const { engine, clock, faulty, wakeUps } = await engineOnClock(user, {
          random: () => jitter,
        });
        await engine.create('Board', board(`b-storm-${user}`, user));
        await engine.create('Todo', todo(`t-storm-${user}`, `b-storm-${user}`));
        faulty.plan = () => fault;

        // Every trigger fires every simulated second (and whenever the retry timer fires), a
        // write every 30 s, the host's `setOnline(true)` and a page's new headers too. Only
        // the retry timer may reach the server.
        const start = clock.now;
        const outageMs = 10 * 60_000;
        await engine.sync('startup');
        let writes = 0;
        while (clock.now - start < outageMs) {
          const nextTimer = Math.min(...[...clock.timers.values()].map((t) => t.at));
          clock.advance(
            Math.max(1, Math.min(1000, nextTimer - clock.now, start + outageMs - clock.now)),
          );
          // The first trigger waits for the retry the clock fired, if any; the rest are gated.
          for (const reason of BACKGROUND) await engine.sync(reason);
          engine.setOnline(true);
          engine.setHeaders({ 'x-user': user });
          if (clock.now - start >= (writes + 1) * 30_000) {
            await engine.create('Todo', todo(`t-storm-${++writes}-${user}`, `b-storm-${user}`));
          }
        }
        await engine.sync('timer');

        // What the schedule allows over the outage: the first try, then one per delay.
        const retryAfterMs = typeof fault === 'object' && fault.headers ? 30_000 : undefined;
        let allowed = 1;
        for (let at = 0, attempt = 1; ; attempt++) {
          at += nextRetryDelay(
            attempt,
            { baseMs: 1000, capMs: 300_000 },
            () => jitter,
            retryAfterMs,
          );
          if (at >= outageMs) break;
          allowed++;
        }
        // One request per try: a push, or, after a server said "wait", a pull first (which
        // fails the same way, so no push follows it). No answer at all: pushes only.
        expect(faulty.calls.length).toBe(allowed);
        expect(faulty.calls[0]).toBe('/push');
        if (fault === 'drop-request') expect(new Set(faulty.calls)).toEqual(new Set(['/push']));
        expect(allowed).toBeLessThanOrEqual(name.includes('Retry-After') ? 12 : 15);
        // Online, Background Sync would fire at once: never registered.
        expect(wakeUps.count).toBe(0);

        // The outage ends: the next retry (not any trigger before it) drains the queue.
        faulty.plan = () => undefined;
        const { at } = engine.retryState();
        expect(at).not.toBeNull();
        clock.advance(at! - clock.now);
        await engine.sync('timer');
        expect(await engine.status()).toMatchObject({ pending: 0, retry: null, lastError: null });
        expect(engine.retryState()).toEqual({ attempt: 0, at: null });
        await engine.close();
      });
    }

    it("lets the user's syncNow and an observed network change through, once each", async () => {
      const user = randomUUID();
      const { engine, clock, faulty, wakeUps, setPlatformOnline } = await engineOnClock(user, {
        random: () => 0.999_999,
      });
      await engine.create('Board', board(`b-gate-${user}`, user));
      faulty.plan = () => ({ status: 503 });
      for (let i = 0; i < 6; i++) await engine.sync('manual'); // attempt 6: retry in ~32 s
      const calls = () => faulty.calls.length;
      expect(calls()).toBe(6);

      // A bare "online" report (no offline seen) and a page's poke wait.
      engine.setOnline(true);
      await engine.sync('online');
      await engine.sync('poke');
      expect(calls()).toBe(6);

      // syncNow from a page goes at once.
      await engine.sync('page');
      expect(calls()).toBe(7);

      // Offline seen by the engine (a trigger while offline), then online: one run at once.
      setPlatformOnline(false);
      await engine.sync('timer');
      expect(wakeUps.count).toBe(1); // offline with events pending: Background Sync helps
      setPlatformOnline(true);
      await engine.sync('background-sync');
      expect(calls()).toBe(8);
      // ...and only once: the next triggers wait for the schedule again.
      await engine.sync('online');
      await engine.sync('background-sync');
      expect(calls()).toBe(8);

      // The host's setOnline(false)/(true) is a change the engine sees too.
      engine.setOnline(false);
      engine.setOnline(true);
      await engine.sync('online');
      expect(calls()).toBe(9);
      expect(clock.timers.size).toBe(1);
      await engine.close();
    });
  });

  describe('delays', () => {
    it('caps a huge Retry-After at 5 min and never hands a timer more than 2^31-1 ms', async () => {
      const user = randomUUID();
      const asked: number[] = [];
      const clock = new ManualClock();
      const { engine, faulty } = await engineOnClock(user, {
        setTimeout: (fn, ms) => {
          asked.push(ms);
          return clock.setTimeout(fn, ms);
        },
        clearTimeout: clock.clearTimeout,
        now: () => clock.now,
        random: () => 0.5,
      });
      await engine.create('Board', board(`b-huge-${user}`, user));
      faulty.plan = () => ({ status: 503, headers: { 'retry-after': '2147484' } });
      await engine.sync();
      expect(engine.retryState()).toEqual({ attempt: 1, at: clock.now + 300_000 });
      // Nothing fires early: no retry for the whole 5 minutes, whatever triggers arrive.
      clock.advance(299_999);
      for (const reason of ['write', 'timer', 'background-sync', 'poke'] as const) {
        await engine.sync(reason);
      }
      expect(faulty.calls).toEqual(['/push']);
      clock.advance(1);
      await engine.sync('timer');
      // The retry: a pull first (the server asked to wait), refused the same way.
      expect(faulty.calls).toEqual(['/push', '/pull']);
      expect(Math.max(...asked)).toBeLessThanOrEqual(300_000);
      await engine.close();

      // Options beyond what a timer can hold are clamped too.
      const wild: number[] = [];
      const { engine: second, faulty: secondFaulty } = await engineOnClock(randomUUID(), {
        backoff: { baseMs: 1e12, capMs: 1e15 },
        requestTimeoutMs: 1e13,
        runBudgetMs: 1e14,
        setTimeout: (fn, ms) => {
          wild.push(ms);
          return clock.setTimeout(fn, ms);
        },
        clearTimeout: clock.clearTimeout,
        now: () => clock.now,
      });
      await second.create('Board', board(`b-wild-${user}`, user));
      secondFaulty.plan = () => ({ status: 503 });
      await second.sync();
      expect(wild.length).toBeGreaterThan(0);
      expect(Math.max(...wild)).toBeLessThanOrEqual(MAX_TIMER_MS);
      await second.close();
    });
  });

  describe('a worker restarted mid-backoff', () => {
    it('keeps the scheduled retry instead of starting over with a request', async () => {
      const user = randomUUID();
      const idb = new IDBFactory();
      const first = await engineOnClock(user, { indexedDB: idb, random: () => 0.999_999 });
      await first.engine.create('Board', board(`b-restart-${user}`, user));
      first.faulty.plan = () => ({ status: 503 });
      for (let i = 0; i < 4; i++) await first.engine.sync('manual');
      const scheduled = first.engine.retryState();
      expect(scheduled).toEqual({ attempt: 4, at: first.clock.now + 7999 });
      await first.engine.close();

      // The browser stopped the worker; a page's poke starts it again 3 s later.
      const { clock } = first;
      clock.advance(3000);
      const faulty = faultyFetch();
      faulty.plan = () => ({ status: 503 });
      const second = await signedInEngine(user, {
        schema: demoSchema,
        endpoint: f.server.endpoint,
        indexedDB: idb,
        fetch: faulty.fetch,
        now: () => clock.now,
        setTimeout: clock.setTimeout,
        clearTimeout: clock.clearTimeout,
        random: () => 0.999_999,
      });
      for (const reason of ['startup', 'poke', 'write', 'background-sync'] as const) {
        await second.engine.sync(reason);
      }
      expect(faulty.calls).toEqual([]);
      expect(second.engine.retryState()).toEqual(scheduled);
      expect(await second.engine.status()).toMatchObject({
        retry: {
          attempt: 4,
          at: new Date(scheduled.at!).toISOString(),
          reason: 'HTTP 503: injected',
        },
      });
      // Its own timer carries the retry, and the backoff goes on growing.
      clock.advance(scheduled.at! - clock.now);
      await second.engine.sync('timer');
      expect(faulty.calls).toEqual(['/push']);
      expect(second.engine.retryState()).toEqual({ attempt: 5, at: clock.now + 15_999 });
      faulty.plan = () => undefined;
      await second.engine.sync('manual');
      await second.engine.close();
      // Success forgets it: the next engine starts with nothing scheduled.
      const third = await signedInEngine(user, {
        schema: demoSchema,
        endpoint: f.server.endpoint,
        indexedDB: idb,
      });
      expect(third.engine.retryState()).toEqual({ attempt: 0, at: null });
      expect((await third.engine.status()).retry).toBeNull();
      await third.engine.close();
    });
  });

  describe('status', () => {
    it('says a retry is scheduled, why and when, through the retry run, until success', async () => {
      const user = randomUUID();
      const { engine, clock, faulty, messages } = await engineOnClock(user, {
        random: () => 0.999_999,
      });
      await engine.create('Board', board(`b-status-${user}`, user));
      await engine.create('Board', board(`b-status2-${user}`, user));
      faulty.plan = () => ({ status: 503 });
      await engine.sync();
      await engine.sync('manual');
      const second = await engine.status();
      expect(second).toMatchObject({
        pending: 2,
        syncing: false,
        lastError: { code: 'SYNC_FAILED', message: 'HTTP 503: injected' },
        retry: {
          at: new Date(clock.now + 1999).toISOString(),
          attempt: 2,
          reason: 'HTTP 503: injected',
        },
      });

      // While the retry runs, it is still there: a display never flips to "Syncing" and back.
      let during: SyncStatus | undefined;
      faulty.plan = async (path) => {
        if (path === '/push') during = await engine.status();
        return undefined;
      };
      clock.advance(1999);
      await engine.sync('timer');
      expect(during).toMatchObject({ syncing: true, retry: { attempt: 2 } });
      expect(await engine.status()).toMatchObject({ pending: 0, retry: null, lastError: null });
      // Every status broadcast between the first failure and success carried the retry.
      const broadcasts = messages.flatMap((m) => (m.type === 'status' ? [m.status] : []));
      const firstFailure = broadcasts.findIndex((s) => s.retry !== null);
      const success = broadcasts.findIndex((s) => s.lastError === null && s.pending === 0);
      expect(firstFailure).toBeGreaterThan(-1);
      expect(broadcasts.slice(firstFailure, success).every((s) => s.retry !== null)).toBe(true);
      await engine.close();
    });
  });
}
