import type { PushResult } from 'swsync/schema';
import { runBatch, scopeRule } from './apply-push.ts';
import { isStorableId } from './storable.ts';
import type { ApplyServerWritesOptions, PushEventInput } from './types.ts';

/**
 * Applies changes made by the server itself (an admin action, a job) through the same checks and
 * transaction as client pushes, so they reach clients by pull and poke. Their changelog entries
 * carry `eventId: null` and `clientId: null`.
 *
 * Idempotency: a write with an `idempotencyKey` is remembered in its scope (in a table of its
 * own, apart from client event ids); calling again with the same key applies nothing and
 * repeats the first result, so a caller may retry after any failure, including a lost COMMIT
 * acknowledgement. Without a key nothing is remembered, and a lost connection is NOT retried
 * here (the COMMIT may have gone through): the call throws `ServerError('UNAVAILABLE')` and the
 * write may or may not have been applied. Races and serialization failures, which always roll
 * back, are retried either way.
 *
 * @example
 * await applyServerWrites({
 *   store, schema, scopeKey: userId,
 *   events: [{
 *     entityType: 'Todo', operation: 'update', entityKeyPath: ['t1'], payload: { done: true },
 *     idempotencyKey: `close-t1-${jobRunId}`,
 *   }],
 * });
 */
export async function applyServerWrites(options: ApplyServerWritesOptions): Promise<PushResult[]> {
  for (const write of options.events) {
    const key = write.idempotencyKey;
    if (key !== undefined && (typeof key !== 'string' || !isStorableId(key))) {
      throw new TypeError('idempotencyKey must be a string of 1..256 storable characters');
    }
  }
  const createdAt = new Date().toISOString();
  const events: PushEventInput[] = options.events.map((write, index) => {
    const { idempotencyKey: _key, ...event } = write;
    return { ...event, id: write.id ?? `server-write-${index}`, createdAt };
  });
  return runBatch({
    events,
    ...scopeRule(options),
    store: options.store,
    schema: options.schema,
    customValidation: options.customValidation,
    clientId: null,
    ledger: 'server-writes',
    keyOf: (index) => options.events[index]?.idempotencyKey ?? null,
    maxAttempts: options.maxAttempts ?? 4,
  });
}
