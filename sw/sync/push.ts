import { type PushError, pushResponseSchema } from 'swsync/schema';
import { META_KEYS, type OutboxRow, STORES } from '../store/layout.ts';
import type { SyncContext, SyncOutcome } from './context.ts';
import { postJson } from './http.ts';
import { pushBody, sameKindPrefix } from './push-body.ts';
import { applyPushResults } from './push-results.ts';

/**
 * Drains the outbox: FIFO batches of at most `batchSize` events, each batch's results applied
 * in one IndexedDB transaction. Stops at the first failure (the events stay queued) or when the
 * run's time budget is spent. A rejected event never blocks the events behind it.
 *
 * @example
 * const outcome = await pushOutbox(ctx); // { kind: 'done' } once the outbox is empty
 */
export async function pushOutbox(ctx: SyncContext): Promise<SyncOutcome> {
  for (;;) {
    const queued = (await ctx.db.getAll(STORES.outbox, undefined, ctx.batchSize)) as OutboxRow[];
    if (queued.length === 0) return { kind: 'done' };
    // The outbox's front: a request of counted rows always starts here (see pushBody).
    const rows = cutAtSecondVersionedEdit(ctx, sameKindPrefix(ctx, queued));
    if (ctx.now() >= ctx.deadline) return { kind: 'budget' };
    const outcome = await pushRows(ctx, rows);
    if (outcome.kind !== 'done') return outcome;
  }
}

/**
 * Under a version-checked model each event must carry the version the previous one produced,
 * which only its result tells: a batch ends before the second event of such a record, and the
 * next batch sends it with the version now in `base`.
 */
function cutAtSecondVersionedEdit(ctx: SyncContext, rows: OutboxRow[]): OutboxRow[] {
  const seen = new Set<string>();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (ctx.schema.getModel(row.model)?.conflict !== 'version') continue;
    const id = JSON.stringify([row.model, row.key]);
    if (seen.has(id)) return rows.slice(0, i);
    seen.add(id);
  }
  return rows;
}

async function pushRows(ctx: SyncContext, rows: OutboxRow[]): Promise<SyncOutcome> {
  if (ctx.spaces) await markSent(ctx, rows);
  // Halves go out in order, the first settled before the second: each starts at the front.
  const answer = await postJson(
    ctx,
    '/push',
    pushBody(ctx, rows, rows[0]!.seq!),
    pushResponseSchema,
  );
  switch (answer.kind) {
    case 'ok':
      if (answer.body.length !== rows.length) {
        return { kind: 'retryable', message: 'push answered a different number of results' };
      }
      await applyPushResults(ctx, rows, answer.body);
      return { kind: 'done' };
    case 'refused':
    case 'unsendable': {
      // Too large, refused by the server (a protocol 400) or not serialisable as a whole:
      // halves go separately, in order. One event that fails alone can never go through: it is
      // rejected here and reported, so it never blocks the events behind it.
      if (rows.length > 1) {
        const middle = Math.ceil(rows.length / 2);
        const first = await pushRows(ctx, rows.slice(0, middle));
        if (first.kind !== 'done') return first;
        return pushRows(ctx, rows.slice(middle));
      }
      const row = rows[0]!;
      const error: PushError = {
        type: 'RECORD_VALIDATION_FAILURE',
        message: refusalMessage(answer),
        retryable: false,
      };
      await applyPushResults(ctx, rows, [{ id: row.event.id, appliedChangelogId: null, error }]);
      return { kind: 'done' };
    }
    case 'cursor-expired':
      return { kind: 'retryable', status: 409, message: 'push answered 409' };
    default:
      return answer;
  }
}

function refusalMessage(
  answer:
    | { kind: 'refused'; status: number; message: string }
    | { kind: 'unsendable'; message: string },
): string {
  if (answer.kind === 'unsendable') return `the change cannot be sent as JSON: ${answer.message}`;
  return answer.status === 413 ? 'the change is too large to sync' : answer.message;
}

/**
 * Spaces: `meta[sentThrough]` covers `rows` before they are sent, committed first, so a worker
 * killed during the request still knows they may have reached the server (see
 * `appliedBeforeRevocation`). One small write per new batch; no write for a retry or a half.
 */
async function markSent(ctx: SyncContext, rows: OutboxRow[]): Promise<void> {
  const last = Math.max(...rows.map((row) => row.seq!));
  const tx = ctx.db.transaction(STORES.meta, 'readwrite');
  const meta = tx.objectStore(STORES.meta);
  const stored = (await meta.get(META_KEYS.sentThrough)) as number | undefined;
  if (stored === undefined || last > stored) await meta.put(last, META_KEYS.sentThrough);
  await tx.done;
}
