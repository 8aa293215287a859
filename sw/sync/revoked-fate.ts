import { pushResponseSchema } from 'swsync/schema';
import { type OutboxRow, STORES } from '../store/layout.ts';
import type { SyncContext, SyncFailure } from './context.ts';
import { postJson } from './http.ts';
import { counted, pushBody } from './push-body.ts';
import { sentInScopes } from './spaces.ts';

/** The ids of the events the server said it applied, or why that could not be learnt. */
export type RevokedFate = { kind: 'done'; applied: Set<string> } | SyncFailure;

/**
 * Spaces: before a pull page's revocations drop the pending events into the lost scopes, those
 * that may have reached the server (at or below `meta[sentThrough]`) are sent once more to
 * learn their fate. One of them may have been applied by a push whose answer was lost; the
 * server answers an event id the account applied with its first result, even after the
 * revocation (docs/protocol.md, "Push under spaces"), and refuses any other event of a scope
 * the account left (`SCOPE_VIOLATION`). Applied events are then settled silently, the others
 * reported as `SCOPE_REVOKED`: telling the person a change was lost that the other members see
 * would be a lie. Events never sent (the offline member's edits) are not sent now either.
 *
 * Nothing is written locally here: the page's transaction does all of it, so a worker killed
 * in between pulls the same page again and asks again (the answers are idempotent). When the
 * fate cannot be learnt (offline, a server error), the failure is returned and the page is not
 * applied: the run ends as a failed pull and is retried, with the events still queued.
 * Batches of `ctx.batchSize`, in outbox order; a batch the server refuses as a whole is split
 * in halves, and a single event it still refuses is taken as not applied (the same request
 * was refused before it could be).
 *
 * @example
 * const fate = await appliedBeforeRevocation(ctx, page.revokedScopes);
 * if (fate.kind === 'done') fate.applied.has(eventId); // applied: no rejection to report
 */
export async function appliedBeforeRevocation(
  ctx: SyncContext,
  revoked: readonly string[],
): Promise<RevokedFate> {
  const applied = new Set<string>();
  const asked = await sentInScopes(ctx.db, ctx.schema, revoked);
  const legacy = asked.filter((row) => !counted(ctx, row));
  const countedRows = await withQueuedBelow(
    ctx,
    asked.filter((row) => counted(ctx, row)),
  );
  const front = countedRows[0]?.seq ?? 1;
  // Bounded: one pass over the rows, each batch at most one request plus its splits.
  for (const rows of [legacy, countedRows]) {
    for (let from = 0; from < rows.length; from += ctx.batchSize) {
      const failure = await ask(ctx, rows.slice(from, from + ctx.batchSize), applied, front);
      if (failure) return failure;
    }
  }
  return { kind: 'done', applied };
}

/**
 * Outbox counters: a server takes an event below the outbox's high-water mark for one it
 * processed before, so the events asked about go with every counted event queued below them,
 * oldest first, in batches that keep that order (as a push would send them; the others' answers
 * are not used here, and their next push is answered as a replay).
 */
async function withQueuedBelow(ctx: SyncContext, rows: OutboxRow[]): Promise<OutboxRow[]> {
  if (rows.length === 0) return rows;
  const last = rows[rows.length - 1]!.seq!;
  const lower = ctx.outbox!.counterFrom;
  return (await ctx.db.getAll(
    STORES.outbox,
    IDBKeyRange.bound(lower, last, true, false),
  )) as OutboxRow[];
}

async function ask(
  ctx: SyncContext,
  rows: OutboxRow[],
  applied: Set<string>,
  front: number,
): Promise<SyncFailure | null> {
  const answer = await postJson(ctx, '/push', pushBody(ctx, rows, front), pushResponseSchema);
  switch (answer.kind) {
    case 'ok': {
      if (answer.body.length !== rows.length) {
        return { kind: 'retryable', message: 'push answered a different number of results' };
      }
      const sent = new Set(rows.map((row) => row.event.id));
      for (const result of answer.body) {
        if (result.error === null && sent.has(result.id)) applied.add(result.id);
      }
      return null;
    }
    case 'refused':
    case 'unsendable': {
      if (rows.length === 1) return null;
      const middle = Math.ceil(rows.length / 2);
      return (
        (await ask(ctx, rows.slice(0, middle), applied, front)) ??
        ask(ctx, rows.slice(middle), applied, front)
      );
    }
    case 'cursor-expired':
      return { kind: 'retryable', status: 409, message: 'push answered 409' };
    default:
      return answer;
  }
}
