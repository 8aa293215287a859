import type { KeyValue, Schema } from 'swsync/schema';
import { type BaseRow, type OutboxRow, refId, STORES } from '../store/layout.ts';
import { addChange, type ChangedKeys } from './context.ts';
import { rebaseRecord, type WriteTx } from './replay.ts';

/**
 * Whether the server holds the parent again: it was re-created (an undo, say) after the delete
 * and that create came back before this settles. Its server-confirmed state is its `base` row's
 * record, or, with no `base` row (nothing pending), its local record.
 */
async function confirmedAgain(tx: WriteTx, model: string, key: KeyValue): Promise<boolean> {
  const base = (await tx.objectStore(STORES.base).get([model, key])) as BaseRow | undefined;
  if (base) return base.record !== null;
  return (await tx.objectStore(model).get(key)) !== undefined;
}

/**
 * Settles the local cascade of a delete whose result came back (see markCascaded): every
 * descendant loses the delete's mark and is replayed.
 *
 * - Rejected: nothing was deleted on the server, so the descendants simply come back (from
 *   their `base`, which pulls kept current).
 * - Applied: the server deleted, in the parent's transaction, the children under the parent at
 *   that moment. Settled only once a complete pull has brought what the server did (its cascade
 *   tombstones, moves made elsewhere) into `base`: a descendant whose base is still under a
 *   deleted parent is deleted; one moved elsewhere is kept, and so is everything below it.
 */
export async function settleCascade(
  tx: WriteTx,
  schema: Schema,
  row: Pick<OutboxRow, 'seq' | 'model' | 'key' | 'cascade'>,
  applied: boolean,
  changes: ChangedKeys,
): Promise<void> {
  if (!row.cascade?.length) return;
  const gone = new Set<string>(applied ? [refId(row.model, row.key)] : []);
  const baseStore = tx.objectStore(STORES.base);
  // Parents come before their children, so `gone` knows a child's parent when it gets there.
  for (const ref of row.cascade) {
    if (!schema.getModel(ref.model)) continue;
    const base = (await baseStore.get([ref.model, ref.key])) as BaseRow | undefined;
    const mark = base?.cascades?.find((m) => m.seq === row.seq);
    if (!base || !mark) continue;
    base.cascades = base.cascades!.filter((m) => m !== mark);
    if (base.cascades.length === 0) delete base.cascades;
    const underDeleted =
      base.record !== null &&
      base.record[mark.field] === mark.parentKey &&
      gone.has(refId(mark.parentModel, mark.parentKey)) &&
      !(await confirmedAgain(tx, mark.parentModel, mark.parentKey));
    if (underDeleted) base.record = null;
    if (applied && base.record === null) gone.add(refId(ref.model, ref.key));
    await baseStore.put(base);
    await rebaseRecord(tx, ref.model, ref.key);
    addChange(changes, ref.model, ref.key);
  }
}
