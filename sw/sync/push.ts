import { type PushError, type PushResult, pushResponseSchema, type Rejection } from 'swsync/schema';
import {
  type AppliedCascade,
  type BaseRow,
  META_KEYS,
  type OutboxRow,
  STORES,
} from '../store/layout.ts';
import { addChange, type ChangedKeys, type SyncContext, type SyncOutcome } from './context.ts';
import { postJson } from './http.ts';
import { applyEvent, pendingRows, rebaseRecord, type WriteTx } from './replay.ts';
import { settleCascade } from './settle-cascade.ts';

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
    const rows = cutAtSecondVersionedEdit(ctx, queued);
    if (ctx.now() >= ctx.deadline) return { kind: 'budget' };
    const outcome = await pushRows(ctx, rows);
    if (outcome.kind !== 'done') return outcome;
  }
}

/**
 * An applied delete's local cascade is settled after the next complete pull, not now: `base` may
 * still show a child under the deleted parent that another device moved away (the pull brings
 * the move, but nothing about what lies below that child, which the server's cascade did not
 * reach either). Until then the descendants stay hidden, as they were.
 */
async function awaitPullForCascade(tx: WriteTx, row: OutboxRow): Promise<void> {
  if (!row.cascade?.length || row.seq === undefined) return;
  const meta = tx.objectStore(STORES.meta);
  const waiting =
    ((await meta.get(META_KEYS.appliedCascades)) as AppliedCascade[] | undefined) ?? [];
  waiting.push({ seq: row.seq, model: row.model, key: row.key, cascade: row.cascade });
  await meta.put(waiting, META_KEYS.appliedCascades);
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
  const events = rows.map((row) => row.event);
  const answer = await postJson(
    ctx,
    '/push',
    { events, clientId: ctx.clientId },
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
 * Applies one batch's results in one transaction. Applied: the event leaves the outbox and its
 * effect moves into `base` with the server version. Rejected: the event leaves the outbox, the
 * record goes back to `base` (or the server's record on CONFLICT) with the record's remaining
 * pending events replayed on top, and the rejection is reported.
 */
async function applyPushResults(
  ctx: SyncContext,
  rows: OutboxRow[],
  results: PushResult[],
): Promise<void> {
  const touched = rows.flatMap((r) => [r.model, ...(r.cascade ?? []).map((c) => c.model)]);
  const models = [...new Set(touched)].filter((m) => ctx.schema.getModel(m));
  const tx = ctx.db.transaction(
    [...models, STORES.outbox, STORES.base, STORES.versions, STORES.meta],
    'readwrite',
  ) as WriteTx;
  const changes: ChangedKeys = new Map();
  const rejections: Rejection[] = [];
  const byId = new Map(results.map((r) => [r.id, r]));

  for (const row of rows) {
    const result = byId.get(row.event.id);
    // A result missing, or an event another run already settled: leave it for the next push.
    if (!result || !(await tx.objectStore(STORES.outbox).get(row.seq!))) continue;
    await tx.objectStore(STORES.outbox).delete(row.seq!);
    const baseStore = tx.objectStore(STORES.base);
    const base = ((await baseStore.get([row.model, row.key])) as BaseRow | undefined) ?? {
      model: row.model,
      key: row.key,
      record: null,
      version: null,
    };

    if (result.error === null) {
      // A duplicate acknowledgement (a retried batch) may come after a pull already brought
      // this change and later ones: the version says whether base already includes it.
      const included =
        result.version !== undefined && base.version !== null && result.version <= base.version;
      if (!included) {
        base.record = applyEvent(base.record, row.event);
        if (result.version !== undefined) base.version = result.version;
      }
      // A repeat of an event applied before whose record is gone since (perhaps purged, so no
      // pull will ever say so): the server answers `record: null`.
      if (result.record === null) base.record = null;
      if (result.version !== undefined) await chainVersion(ctx, tx, row, result.version);
    } else {
      if (result.error.type === 'CONFLICT' && result.record !== undefined) {
        base.record = result.record;
        if (result.version !== undefined) base.version = result.version;
      }
      rejections.push({ event: row.event, error: result.error });
      addChange(changes, row.model, row.key);
    }
    if (ctx.schema.getModel(row.model)) {
      await baseStore.put(base);
      await rebaseRecord(tx, row.model, row.key);
    } else {
      await baseStore.delete([row.model, row.key]);
    }
    if (result.error === null) await awaitPullForCascade(tx, row);
    else await settleCascade(tx, ctx.schema, row, false, changes);
  }
  await tx.done;
  if (changes.size > 0) ctx.onChange(changes);
  if (rejections.length > 0) ctx.onRejected(rejections);
  ctx.onPushed();
}

/**
 * Under a version-checked model the record's next pending event was queued on the version this
 * one started from; it was based on this one, so it now names the version this one produced.
 * (A version brought by a pull is never chained: an edit made before it is stale, and the server
 * is right to answer CONFLICT.)
 */
async function chainVersion(ctx: SyncContext, tx: WriteTx, row: OutboxRow, version: number) {
  if (ctx.schema.getModel(row.model)?.conflict !== 'version') return;
  const [next] = await pendingRows(tx, row.model, row.key);
  if (!next) return;
  next.event = { ...next.event, baseVersion: version };
  await tx.objectStore(STORES.outbox).put(next);
}
