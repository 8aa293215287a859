import { type PushError, type PushResult, pushResponseSchema } from 'swsync/schema';
import { META_KEYS, type OutboxRow, refId, STORES } from '../store/layout.ts';
import type { SyncContext, SyncOutcome } from './context.ts';
import { type HttpOutcome, postJson } from './http.ts';
import { counted, pushBody, sameKindPrefix } from './push-body.ts';
import { applyPushResults } from './push-results.ts';

/**
 * Drains the outbox: FIFO batches of at most `batchSize` events, each batch's results applied
 * in one IndexedDB transaction. Stops at the first failure (the events stay queued) or when the
 * run's time budget is spent. A rejected event never blocks the events behind it.
 *
 * Pipelined: once a batch is answered, the next one is sent while the answered one's results
 * are stored (storing them costs about as much as the request). The server still sees every
 * batch after the one before it was answered, and results are stored in batch order; see
 * {@link mayGoAhead} for the batches that wait instead.
 *
 * @example
 * const outcome = await pushOutbox(ctx); // { kind: 'done' } once the outbox is empty
 */
export async function pushOutbox(ctx: SyncContext): Promise<SyncOutcome> {
  /** The results of the last answered batch, being stored. */
  let storing: Promise<void> | undefined;
  const stored = async () => {
    const results = storing;
    storing = undefined;
    await results;
  };
  try {
    let rows = await nextBatch(ctx);
    let marked = false;
    for (;;) {
      if (rows.length === 0) return { kind: 'done' };
      // A batch marked sent goes: the budget was checked before it was marked.
      if (!marked && ctx.now() >= ctx.deadline) return { kind: 'budget' };
      if (ctx.spaces && !marked) await markSent(ctx, rows);
      const answer = await postJson(
        ctx,
        '/push',
        pushBody(ctx, rows, rows[0]!.seq!),
        pushResponseSchema,
      );
      // Results are stored in batch order: the previous batch's before this one's.
      await stored();
      if (answer.kind !== 'ok' || answer.body.length !== rows.length) {
        const outcome = await settleAnswer(ctx, rows, answer);
        if (outcome.kind !== 'done') return outcome;
        rows = await nextBatch(ctx);
        marked = false;
        continue;
      }
      // The next batch is read (and marked sent) before this one's results are stored: a
      // request queued behind the results' readwrite transaction would wait for its commit.
      const next =
        ctx.now() < ctx.deadline
          ? mayGoAhead(ctx, rows, await nextBatch(ctx, rows.at(-1)!.seq!))
          : [];
      if (ctx.spaces && next.length > 0) await markSent(ctx, next);
      storing = applyPushResults(ctx, rows, answer.body);
      // Awaited by `stored` before anything else is stored; marked handled until then.
      storing.catch(() => undefined);
      if (next.length > 0) {
        rows = next;
        marked = true;
        continue;
      }
      await stored();
      rows = await nextBatch(ctx);
      marked = false;
    }
  } finally {
    await stored();
  }
}

/**
 * The next batch: from the outbox's front, or from the first row after `after` (the last row of
 * a batch whose results are not stored yet). A request of counted rows always starts at the
 * front (see pushBody); {@link mayGoAhead} keeps them from the second case.
 */
async function nextBatch(ctx: SyncContext, after?: number): Promise<OutboxRow[]> {
  const range = after === undefined ? undefined : IDBKeyRange.lowerBound(after, true);
  const queued = (await ctx.db.getAll(STORES.outbox, range, ctx.batchSize)) as OutboxRow[];
  return cutAtSecondVersionedEdit(ctx, sameKindPrefix(ctx, queued));
}

/**
 * The rows of `next` that may be sent while `answered`'s results are still being stored: none
 * after a batch holding a cascaded delete (its settling reaches other records) or counted rows
 * (the counter's rule wants every queued counted row below a request's last one in it), and
 * none from the first event of a version-checked record `answered` holds, which must carry the
 * version that batch's result gives.
 */
function mayGoAhead(ctx: SyncContext, answered: OutboxRow[], next: OutboxRow[]): OutboxRow[] {
  if (next.length === 0) return next;
  if (answered.some((row) => row.cascade?.length)) return [];
  if (counted(ctx, answered[0]!) || counted(ctx, next[0]!)) return [];
  const versioned = new Set(
    answered
      .filter((row) => ctx.schema.getModel(row.model)?.conflict === 'version')
      .map((row) => refId(row.model, row.key)),
  );
  if (versioned.size === 0) return next;
  const end = next.findIndex((row) => versioned.has(refId(row.model, row.key)));
  return end === -1 ? next : next.slice(0, end);
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
    const id = refId(row.model, row.key);
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
  return settleAnswer(ctx, rows, answer);
}

/** What a push of `rows` was answered does locally: results stored, halves sent, or nothing. */
async function settleAnswer(
  ctx: SyncContext,
  rows: OutboxRow[],
  answer: HttpOutcome<PushResult[]>,
): Promise<SyncOutcome> {
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
