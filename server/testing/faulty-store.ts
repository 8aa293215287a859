import type { SqlClient, SyncStore } from '../store/types.ts';

export interface FaultPlan {
  /** Which statements inside a transaction fail. */
  when: (text: string) => boolean;
  /** The error thrown, shaped like a driver's (e.g. `{ code: '40001' }`). */
  error: () => unknown;
  /** How many times to fail before letting statements through. Default: always. */
  times?: number;
}

/**
 * Wraps a real store so chosen statements inside transactions fail like a driver fault would,
 * after the statements before them really ran. The real transaction is then rolled back by the
 * real database, so tests see exactly what a fault leaves behind.
 *
 * @example
 * const flaky = withFaults(store, { when: (sql) => sql.includes('swsync_events'), error: () => Object.assign(new Error('x'), { code: '40001' }), times: 1 });
 */
export function withFaults(store: SyncStore, plan: FaultPlan): SyncStore & { failures(): number } {
  let failures = 0;
  const shouldFail = (text: string) =>
    plan.when(text) && (plan.times === undefined || failures < plan.times);
  return {
    kind: store.kind,
    query: (text, params) => store.query(text, params),
    listen: (channel, onNotify, onRestored) => store.listen(channel, onNotify, onRestored),
    close: () => store.close(),
    transaction: (fn) =>
      store.transaction((tx) => {
        const faulty: SqlClient = {
          query(text, params) {
            if (shouldFail(text)) {
              failures++;
              return Promise.reject(plan.error());
            }
            return tx.query(text, params);
          },
        };
        return fn(faulty);
      }),
    failures: () => failures,
  };
}

/** An error shaped like a driver's error with a SQLSTATE or connection code. */
export function driverError(code: string, message = `injected ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * Wraps a real store so the first `times` transactions really COMMIT and then fail like a
 * connection lost before the acknowledgement arrived: the caller cannot tell whether its
 * transaction was applied, which is exactly what a retry must cope with.
 *
 * @example
 * const store = withLostCommits(realStore, 1);
 * await applyPush({ store, ... }); // commits, "loses" the answer, retries, applies once
 */
export function withLostCommits(store: SyncStore, times = 1): SyncStore & { lost(): number } {
  let lost = 0;
  return {
    kind: store.kind,
    query: (text, params) => store.query(text, params),
    listen: (channel, onNotify, onRestored) => store.listen(channel, onNotify, onRestored),
    close: () => store.close(),
    async transaction(fn) {
      const value = await store.transaction(fn);
      if (lost < times) {
        lost++;
        throw driverError('CONNECTION_CLOSED', 'injected: connection lost after COMMIT');
      }
      return value;
    },
    lost: () => lost,
  };
}
