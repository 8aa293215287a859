import { type PullRequest, pullRequestSchema, pushRequestSchema } from 'swsync/schema';
import type { z } from 'zod';
import type { $ZodError } from 'zod/v4/core';
import { isOutboxSeq } from '../push/apply-push.ts';
import { isStorableId } from '../push/storable.ts';
import { badRequest, payloadTooLarge } from './errors.ts';

/** A push body that passed the route-level checks; each event is judged by `applyPush`. */
export interface CheckedPush {
  events: z.infer<typeof pushRequestSchema>['events'];
  clientId?: string;
  /** Outbox counters: the outbox and its front; every event then has a valid `outboxSeq`. */
  outbox?: { id: string; front?: number };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Client-safe summary of zod issues: where and what, never the offending values. */
function issuesOf(error: $ZodError): { path: (string | number)[]; message: string }[] {
  return error.issues.slice(0, 10).map((issue) => ({
    path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
    message: issue.message,
  }));
}

/**
 * Checks a push body's route-level shape: `{ events: [...], clientId? }`, each event an object
 * with a string `id`. The batch size is checked as soon as `events` is an array, before its
 * members (PROTOCOL.md: 413 wins over 400 for an oversized batch of malformed events).
 *
 * @example
 * const { events, clientId } = checkPushBody(await readJsonBody(c, limit), 100);
 */
export function checkPushBody(body: unknown, maxBatchSize: number): CheckedPush {
  if (!isPlainObject(body)) throw badRequest('push body must be an object { events: [...] }');
  if (!Array.isArray(body.events)) throw badRequest('events must be an array');
  if (body.events.length > maxBatchSize) {
    throw payloadTooLarge(`more than ${maxBatchSize} events in one push`, { maxBatchSize });
  }
  const parsed = pushRequestSchema.safeParse(body);
  if (!parsed.success) throw badRequest('invalid push body', issuesOf(parsed.error));
  // The events as sent, not zod's copies: a copy by assignment would turn an own `__proto__`
  // key into the event's prototype, and the event checks must see exactly what arrived.
  const events = body.events as CheckedPush['events'];
  const { clientId, outboxId, outboxFront } = parsed.data;
  const checked: CheckedPush = clientId === undefined ? { events } : { events, clientId };
  if (outboxId === undefined) return checked;
  if (!isStorableId(outboxId)) throw badRequest('outboxId is not a storable id');
  // A counter that does not grow would make the server take a new event for a replay: the
  // whole request is refused before anything is applied.
  let previous = 0;
  for (const [index, event] of events.entries()) {
    const seq = (event as { outboxSeq?: unknown }).outboxSeq;
    if (!isOutboxSeq(seq) || seq <= previous) {
      throw badRequest('with outboxId, every event needs an outboxSeq, strictly increasing', [
        {
          path: ['events', index, 'outboxSeq'],
          message: 'expected a positive safe integer above the previous one',
        },
      ]);
    }
    previous = seq;
  }
  checked.outbox =
    outboxFront === undefined ? { id: outboxId } : { id: outboxId, front: outboxFront };
  return checked;
}

/** Checks a pull body: `{ lastChangelogId?: string | null, limit?: 1..1000 }`. */
export function checkPullBody(body: unknown): PullRequest {
  if (!isPlainObject(body)) throw badRequest('pull body must be an object');
  const parsed = pullRequestSchema.safeParse(body);
  if (!parsed.success) throw badRequest('invalid pull body', issuesOf(parsed.error));
  return parsed.data;
}
