import type { PushResult } from 'swsync/schema';
import { runBatch } from './apply-push.ts';
import type { ApplyServerWritesOptions, PushEventInput } from './types.ts';

/**
 * Applies changes made by the server itself (an admin action, a job) through the same checks and
 * transaction as client pushes, so they reach clients by pull and poke. Their changelog entries
 * carry `eventId: null` and `clientId: null`, and nothing is remembered for idempotency.
 *
 * @example
 * await applyServerWrites({
 *   store, schema, scopeKey: userId,
 *   events: [{ entityType: 'Todo', operation: 'update', entityKeyPath: ['t1'], payload: { done: true } }],
 * });
 */
export function applyServerWrites(options: ApplyServerWritesOptions): Promise<PushResult[]> {
  const createdAt = new Date().toISOString();
  const events: PushEventInput[] = options.events.map((write, index) => ({
    ...write,
    id: write.id ?? `server-write-${index}`,
    createdAt,
  }));
  return runBatch({
    events,
    scopeKey: options.scopeKey,
    store: options.store,
    schema: options.schema,
    customValidation: options.customValidation,
    clientId: null,
    remember: false,
    maxAttempts: options.maxAttempts ?? 4,
  });
}
