import type { Schema } from 'swsync/schema';
import type { EngineOptions } from '../engine/options.ts';
import { signedInEngine } from './engines.ts';
import { faultyFetch, ManualClock } from './faults.ts';

/**
 * {@link signedInEngine} on a {@link ManualClock} and a {@link faultyFetch}, with the platform's
 * online state settable and the engine's Background Sync requests (`onRetryLater`) counted.
 *
 * @example
 * const { engine, clock, faulty } = await engineOnClock(user, { schema, endpoint });
 * faulty.plan = () => ({ status: 503 });
 */
export async function engineOnClock<S extends Schema>(user: string, options: EngineOptions<S>) {
  const clock = new ManualClock();
  const faulty = faultyFetch();
  const wakeUps = { count: 0 };
  let platformOnline = true;
  const opened = await signedInEngine(user, {
    fetch: faulty.fetch,
    now: () => clock.now,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    isOnline: () => platformOnline,
    onRetryLater: () => wakeUps.count++,
    ...options,
  });
  const setPlatformOnline = (online: boolean) => {
    platformOnline = online;
  };
  return { ...opened, clock, faulty, wakeUps, setPlatformOnline };
}
