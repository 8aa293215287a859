import { type PullRequest, pullRequestSchema, pushRequestSchema } from 'swsync/schema';
import type { z } from 'zod';
import type { $ZodError } from 'zod/v4/core';
import { badRequest, payloadTooLarge } from './errors.ts';

/** A push body that passed the route-level checks; each event is judged by `applyPush`. */
export interface CheckedPush {
  events: z.infer<typeof pushRequestSchema>['events'];
  clientId?: string;
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
  const { clientId } = parsed.data;
  return clientId === undefined ? { events } : { events, clientId };
}

/** Checks a pull body: `{ lastChangelogId?: string | null, limit?: 1..1000 }`. */
export function checkPullBody(body: unknown): PullRequest {
  if (!isPlainObject(body)) throw badRequest('pull body must be an object');
  const parsed = pullRequestSchema.safeParse(body);
  if (!parsed.success) throw badRequest('invalid pull body', issuesOf(parsed.error));
  return parsed.data;
}
