import type { PushRequest } from 'swsync/schema';
import type { OutboxRow } from '../store/layout.ts';
import type { SyncContext } from './context.ts';

/**
 * Whether a row is pushed with its outbox counter (docs/protocol.md, "Outbox counters"). Rows
 * queued before the outbox had an id may have reached a server without one, which knows them
 * by event id only: they never get a counter.
 */
export function counted(ctx: SyncContext, row: OutboxRow): boolean {
  return ctx.outbox !== null && row.seq! > ctx.outbox.counterFrom;
}

/** The longest prefix of `rows` that one request may carry: all counted, or none. */
export function sameKindPrefix(ctx: SyncContext, rows: OutboxRow[]): OutboxRow[] {
  if (rows.length === 0) return rows;
  const kind = counted(ctx, rows[0]!);
  const end = rows.findIndex((row) => counted(ctx, row) !== kind);
  return end === -1 ? rows : rows.slice(0, end);
}

/**
 * The body of a push of `rows` (all of one kind, see {@link sameKindPrefix}). Counted rows
 * carry their outbox key as `outboxSeq`, and `front` is the oldest counted row still queued:
 * the server forgets the results it kept below it. The protocol's rule that makes the counter
 * safe is the caller's: a request holds every queued counted row below its last one, or only
 * rows an earlier request held (so the server never sees an event after a later one).
 *
 * @example
 * await postJson(ctx, '/push', pushBody(ctx, rows, rows[0].seq), pushResponseSchema);
 */
export function pushBody(ctx: SyncContext, rows: OutboxRow[], front: number): PushRequest {
  if (ctx.outbox === null || rows.length === 0 || !counted(ctx, rows[0]!)) {
    return { events: rows.map((row) => row.event), clientId: ctx.clientId };
  }
  return {
    events: rows.map((row) => ({ ...row.event, outboxSeq: row.seq! })),
    clientId: ctx.clientId,
    outboxId: ctx.outbox.id,
    outboxFront: front,
  };
}
