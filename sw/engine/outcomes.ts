import type { SyncFailure, SyncOutcome } from '../sync/context.ts';

/**
 * Whether a run still pulls after its push failed with `failure`. A push can fail for reasons
 * of its own (a 500 on one event, a proxy refusing a body) while pulls work, and other
 * devices' changes must not wait for it. But when the server asked us to wait (429, 503, any
 * `Retry-After`), a pull would only add load to a server that said it has too much; and when
 * the server did not answer at all (a network error, a timeout), a pull would most likely
 * fail the same way and only double the requests of an outage.
 *
 * @example
 * pullsAfter({ kind: 'retryable', status: 500, message: 'HTTP 500' }); // true
 * pullsAfter({ kind: 'retryable', status: 503, message: 'HTTP 503' }); // false
 * pullsAfter({ kind: 'retryable', message: 'network error: fetch failed' }); // false
 */
export function pullsAfter(failure: SyncFailure): boolean {
  if (failure.kind !== 'retryable') return false;
  if (failure.status === undefined) return false;
  const askedToWait =
    failure.status === 429 || failure.status === 503 || failure.retryAfterMs !== undefined;
  return !askedToWait;
}

/**
 * One outcome for a run whose push ended in `pushed` and whose pull then ended in `pulled`.
 * A done push takes the pull's outcome. A failed push stays failed (its events still wait),
 * unless the pull found something that stops everything (offline, unauthorized); when both
 * failed, the longer `Retry-After` counts.
 */
export function afterPull(pushed: SyncOutcome, pulled: SyncOutcome): SyncOutcome {
  if (pushed.kind === 'done') return pulled;
  if (pulled.kind === 'offline' || pulled.kind === 'unauthorized') return pulled;
  if (pushed.kind === 'retryable' && pulled.kind === 'retryable') {
    const waits = [pushed.retryAfterMs, pulled.retryAfterMs].filter((ms) => ms !== undefined);
    return waits.length > 0 ? { ...pushed, retryAfterMs: Math.max(...waits) } : pushed;
  }
  return pushed;
}

/**
 * Whether the server answered and asked to wait (429, 503, any `Retry-After`): the next run
 * then pulls before it pushes, so refused writes never hold back other devices' changes.
 *
 * @example
 * toldToWait({ kind: 'retryable', status: 503, message: 'HTTP 503' }); // true
 */
export function toldToWait(outcome: SyncOutcome): boolean {
  return outcome.kind === 'retryable' && outcome.status !== undefined && !pullsAfter(outcome);
}
