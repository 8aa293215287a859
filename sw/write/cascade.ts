import type { KeyValue, Schema } from 'swsync/schema';
import type { WriteTx } from '../sync/replay.ts';
import type { CheckedWrite } from './validate.ts';

/**
 * The local deletes a parent's delete brings with it under `onDelete: 'cascade'`: every
 * descendant known locally, deepest first. They are queued as delete events of their own ahead
 * of the parent's, so the page sees the children go at once (offline too), and a rejection rolls
 * each one back through the ordinary `base` machinery. The server would cascade anyway; a
 * delete of a record already gone succeeds without effect. `restrict` children are left alone:
 * the server then refuses the parent's delete, and the rollback restores it.
 */
export async function cascadeDeletes(
  tx: WriteTx,
  schema: Schema,
  model: string,
  key: KeyValue,
): Promise<CheckedWrite[]> {
  const writes: CheckedWrite[] = [];
  for (const relation of schema.childrenOf(model)) {
    if (relation.onDelete !== 'cascade') continue;
    const child = schema.getModel(relation.model);
    if (!child) continue;
    const store = tx.objectStore(relation.model);
    const records = (
      child.indexes.includes(relation.field)
        ? await store.index(relation.field).getAll(key as IDBValidKey)
        : ((await store.getAll()) as Record<string, unknown>[]).filter(
            (r) => r[relation.field] === key,
          )
    ) as Record<string, unknown>[];
    for (const record of records) {
      const childKey = record[child.key] as KeyValue;
      writes.push(...(await cascadeDeletes(tx, schema, relation.model, childKey)));
      writes.push({ op: 'delete', model: relation.model, key: childKey });
    }
  }
  return writes;
}
