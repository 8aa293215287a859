import type { KeyValue, Schema } from 'swsync/schema';
import { type BaseRow, type CascadeMark, STORES } from '../store/layout.ts';
import { getVersion, rebaseRecord, type WriteTx } from '../sync/replay.ts';

/** A record a parent's delete reaches through `onDelete: 'cascade'`, and how. */
export interface Descendant {
  model: string;
  key: KeyValue;
  parentModel: string;
  /** The field of `model` that names the parent. */
  field: string;
  parentKey: KeyValue;
}

/**
 * Every descendant of a record known locally under `onDelete: 'cascade'` relations, parents
 * before their children. `restrict` children (and what is below them) are left alone: the
 * server then refuses the parent's delete, and its rollback restores everything.
 */
export async function localDescendants(
  tx: WriteTx,
  schema: Schema,
  model: string,
  key: KeyValue,
): Promise<Descendant[]> {
  const out: Descendant[] = [];
  // Bounded: every record is visited once, and ownership chains have no cycles.
  const queue: { model: string; key: KeyValue }[] = [{ model, key }];
  for (let i = 0; i < queue.length; i++) {
    const parent = queue[i]!;
    for (const relation of schema.childrenOf(parent.model)) {
      if (relation.onDelete !== 'cascade') continue;
      const child = schema.getModel(relation.model);
      if (!child) continue;
      const store = tx.objectStore(relation.model);
      const records = (
        child.indexes.includes(relation.field)
          ? await store.index(relation.field).getAll(parent.key as IDBValidKey)
          : ((await store.getAll()) as Record<string, unknown>[]).filter(
              (r) => r[relation.field] === parent.key,
            )
      ) as Record<string, unknown>[];
      for (const record of records) {
        const childKey = record[child.key] as KeyValue;
        out.push({
          model: relation.model,
          key: childKey,
          parentModel: parent.model,
          field: relation.field,
          parentKey: parent.key,
        });
        queue.push({ model: relation.model, key: childKey });
      }
    }
  }
  return out;
}

/**
 * Removes the descendants of the delete at outbox `seq` locally, as part of that delete: each
 * gets a {@link CascadeMark} in its `base` row (created from its current state, which without
 * pending events is the server-confirmed one) and no outbox event of its own. The delete's
 * result settles the marks (see settleCascade): rejected, the descendants come back.
 */
export async function markCascaded(
  tx: WriteTx,
  seq: number,
  descendants: readonly Descendant[],
): Promise<void> {
  const baseStore = tx.objectStore(STORES.base);
  for (const d of descendants) {
    let base = (await baseStore.get([d.model, d.key])) as BaseRow | undefined;
    if (!base) {
      const current = (await tx.objectStore(d.model).get(d.key)) as
        | Record<string, unknown>
        | undefined;
      const version = await getVersion(tx, d.model, d.key);
      base = { model: d.model, key: d.key, record: current ?? null, version };
    }
    const mark: CascadeMark = {
      seq,
      parentModel: d.parentModel,
      field: d.field,
      parentKey: d.parentKey,
    };
    base.cascades = [...(base.cascades ?? []), mark];
    await baseStore.put(base);
    await rebaseRecord(tx, d.model, d.key);
  }
}
