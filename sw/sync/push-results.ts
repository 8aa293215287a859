import type { KeyValue, PushResult, Rejection } from 'swsync/schema';
import {
  type AppliedCascade,
  type BaseRow,
  META_KEYS,
  type OutboxRow,
  refId,
  STORES,
  type VersionRow,
} from '../store/layout.ts';
import { addChange, type ChangedKeys, type SyncContext } from './context.ts';
import { applyEvent, pendingRows, replayRecord, type WriteTx } from './replay.ts';
import { settleCascade } from './settle-cascade.ts';

/** What one record of the batch looks like in the transaction, read once and settled in memory. */
interface RecordState {
  model: string;
  key: KeyValue;
  base: BaseRow;
  /** Pending rows oldest first, settled rows removed as results are applied. */
  pending: OutboxRow[];
  version: VersionRow | undefined;
  /**
   * The stored record may differ from `base` replayed with `pending`. Until something sets it,
   * settling only moved the record's oldest pending events into `base` by the same replay,
   * which leaves the stored record as it is: it is not written again.
   */
  changed: boolean;
}

/**
 * Applies one batch's results in one transaction. Applied: the event leaves the outbox and its
 * effect moves into `base` with the server version. Rejected: the event leaves the outbox, the
 * record goes back to `base` (or the server's record on CONFLICT) with the record's remaining
 * pending events replayed on top, and the rejection is reported.
 *
 * Every read the batch needs is issued at once and every write likewise: IndexedDB runs a
 * transaction's requests in order, so pipelining them keeps the guarantees while sparing one
 * event-loop round trip per request (about eleven per event when each was awaited in turn).
 *
 * @example
 * await applyPushResults(ctx, rows, answer.body); // rows: the batch sent, in outbox order
 */
export async function applyPushResults(
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
  const byId = new Map(results.map((r) => [r.id, r]));
  const settled = rows.filter((row) => byId.has(row.event.id));
  const outbox = tx.objectStore(STORES.outbox);
  const batchSeqs = new Set(settled.map((row) => row.seq!));
  const range =
    batchSeqs.size === 0 ? null : IDBKeyRange.bound(Math.min(...batchSeqs), Math.max(...batchSeqs));
  // Which of the batch's seqs are still queued, and any other seq in its range: one request.
  const [states, stillQueued] = await Promise.all([
    readStates(tx, settled),
    range === null
      ? new Set<number>()
      : outbox.getAllKeys(range).then((keys) => new Set(keys as number[])),
  ]);
  // The batch is a run of the outbox's front: one ranged delete instead of one per event, when
  // nothing else lies in that range (read just above, in this transaction).
  const ranged = stillQueued.size > 0 && [...stillQueued].every((seq) => batchSeqs.has(seq));

  const writes: Promise<unknown>[] = [];
  const changes: ChangedKeys = new Map();
  const rejections: Rejection[] = [];
  const appliedCascades: AppliedCascade[] = [];
  const rejectedCascades: OutboxRow[] = [];
  const dirty = new Set<RecordState>();
  for (const row of settled) {
    // An event another run already settled is left alone.
    if (!stillQueued.has(row.seq!)) continue;
    const result = byId.get(row.event.id)!;
    const state = states.get(refId(row.model, row.key))!;
    if (!ranged) writes.push(outbox.delete(row.seq!));
    if (state.pending[0]?.seq !== row.seq) state.changed = true;
    state.pending = state.pending.filter((p) => p.seq !== row.seq);
    dirty.add(state);
    const base = state.base;
    if (result.error === null && result.current === true) {
      // Outbox counters: processed before, its first result no longer kept (docs/protocol.md).
      // The record's current state is right whether the event was applied or refused.
      base.record = result.record ?? null;
      state.changed = true;
      if (result.version !== undefined) base.version = result.version;
      if (result.version !== undefined) chainVersion(ctx, tx, state, result.version, writes);
      if (row.cascade?.length) appliedCascades.push(row as AppliedCascade);
      addChange(changes, row.model, row.key);
    } else if (result.error === null) {
      // A duplicate acknowledgement (a retried batch) may come after a pull already brought
      // this change and later ones: the version says whether base already includes it.
      const included =
        result.version !== undefined && base.version !== null && result.version <= base.version;
      if (!included) {
        base.record = applyEvent(base.record, row.event);
        if (result.version !== undefined) base.version = result.version;
      } else state.changed = true;
      // A repeat of an event applied before whose record is gone since (perhaps purged, so no
      // pull will ever say so): the server answers `record: null`.
      if (result.record === null) {
        base.record = null;
        state.changed = true;
      }
      // The record's row is written again from what the server said: pages that show it must
      // hear so (a row gone this way changed under their live queries without a word).
      if (state.changed) addChange(changes, row.model, row.key);
      if (result.version !== undefined) chainVersion(ctx, tx, state, result.version, writes);
      if (row.cascade?.length) appliedCascades.push(row as AppliedCascade);
    } else {
      state.changed = true;
      if (result.error.type === 'CONFLICT' && result.record !== undefined) {
        base.record = result.record;
        if (result.version !== undefined) base.version = result.version;
      }
      rejections.push({ event: row.event, error: result.error });
      addChange(changes, row.model, row.key);
      if (row.cascade?.length) rejectedCascades.push(row);
    }
  }
  // After the loop, as the per-event deletes came in it: an event of the batch that
  // chainVersion rewrote still leaves the outbox.
  if (ranged && range !== null) writes.push(outbox.delete(range));
  for (const state of dirty) writes.push(...writeRecord(ctx, tx, state));
  if (appliedCascades.length > 0) writes.push(awaitPullForCascades(tx, appliedCascades));
  // Requests queued above run first, so each settle reads the bases as just written.
  for (const row of rejectedCascades) await settleCascade(tx, ctx.schema, row, false, changes);
  await Promise.all(writes);
  await tx.done;
  if (changes.size > 0) ctx.onChange(changes);
  if (rejections.length > 0) ctx.onRejected(rejections);
  ctx.onPushed();
}

/**
 * The `base`, pending rows and version of every record the batch names. The `base` and pending
 * reads go out at once; a record's `versions` row is asked for as its `base` row arrives, and
 * not at all when that row has no version: it was made for a record the server had not
 * confirmed (a create), and whatever stores a `versions` row for a record with a `base` row
 * gives that row a version too (a pull's rebase and scope), so there is no `versions` row.
 */
async function readStates(tx: WriteTx, rows: OutboxRow[]): Promise<Map<string, RecordState>> {
  const refs = new Map(rows.map((row) => [refId(row.model, row.key), row]));
  const base = tx.objectStore(STORES.base);
  const versions = tx.objectStore(STORES.versions);
  const states = await Promise.all(
    [...refs.values()].map(async ({ model, key }): Promise<RecordState> => {
      const [row, pending] = await Promise.all([
        base.get([model, key]) as Promise<BaseRow | undefined>,
        pendingRows(tx, model, key),
      ]);
      const version =
        row !== undefined && row.version === null
          ? undefined
          : ((await versions.get([model, key])) as VersionRow | undefined);
      return {
        model,
        key,
        base: row ?? { model, key, record: null, version: version?.version ?? null },
        pending,
        version,
        changed: false,
      };
    }),
  );
  return new Map(states.map((s) => [refId(s.model, s.key), s]));
}

/**
 * A record's settled state written back: the local record replayed from `base` and what is
 * still pending (when that can differ from the stored record); with nothing pending, no `base`
 * row and the server version kept (it never goes backwards, and keeps the record's scope). A
 * model this schema no longer has keeps only its `base` row, while its events are queued.
 */
function writeRecord(ctx: SyncContext, tx: WriteTx, state: RecordState): Promise<unknown>[] {
  const { model, key, base, pending, version } = state;
  const baseStore = tx.objectStore(STORES.base);
  // A model this schema lacks has no store to write; its `base` row stays while its events do
  // (the model may come back: a later release, or a tab still on the older one).
  if (!ctx.schema.getModel(model)) {
    return [
      pending.length > 0 || base.cascades?.length
        ? baseStore.put(base)
        : baseStore.delete([model, key]),
    ];
  }
  const writes: Promise<unknown>[] = [];
  // Pending cascades replay at their own places in the queue: only a new replay can tell.
  if (state.changed || base.cascades?.length) {
    const record = replayRecord(base, pending);
    writes.push(
      record === null ? tx.objectStore(model).delete(key) : tx.objectStore(model).put(record),
    );
  }
  if (pending.length > 0 || base.cascades?.length) {
    writes.push(baseStore.put(base));
    return writes;
  }
  writes.push(baseStore.delete([model, key]));
  if (base.version !== null && (!version || base.version > version.version)) {
    const scope = version?.scope;
    const row: VersionRow = { model, key, version: base.version };
    writes.push(tx.objectStore(STORES.versions).put(scope === undefined ? row : { ...row, scope }));
  }
  return writes;
}

/**
 * Under a version-checked model the record's next pending event was queued on the version this
 * one started from; it was based on this one, so it now names the version this one produced.
 * (A version brought by a pull is never chained: an edit made before it is stale, and the server
 * is right to answer CONFLICT.)
 */
function chainVersion(
  ctx: SyncContext,
  tx: WriteTx,
  state: RecordState,
  version: number,
  writes: Promise<unknown>[],
): void {
  if (ctx.schema.getModel(state.model)?.conflict !== 'version') return;
  const next = state.pending[0];
  if (!next) return;
  next.event = { ...next.event, baseVersion: version };
  writes.push(tx.objectStore(STORES.outbox).put(next));
}

/**
 * An applied delete's local cascade is settled after the next complete pull, not now: `base` may
 * still show a child under the deleted parent that another device moved away (the pull brings
 * the move, but nothing about what lies below that child, which the server's cascade did not
 * reach either). Until then the descendants stay hidden, as they were.
 */
async function awaitPullForCascades(tx: WriteTx, rows: AppliedCascade[]): Promise<void> {
  const meta = tx.objectStore(STORES.meta);
  const waiting =
    ((await meta.get(META_KEYS.appliedCascades)) as AppliedCascade[] | undefined) ?? [];
  for (const { seq, model, key, cascade } of rows) waiting.push({ seq, model, key, cascade });
  await meta.put(waiting, META_KEYS.appliedCascades);
}
