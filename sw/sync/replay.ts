import type { IDBPTransaction } from 'idb';
import type { KeyValue, OutboxEvent } from 'swsync/schema';
import {
  type BaseRow,
  OUTBOX_BY_RECORD,
  type OutboxRow,
  STORES,
  type VersionRow,
} from '../store/layout.ts';

export type WriteTx = IDBPTransaction<unknown, string[], 'readwrite'>;
type Row = Record<string, unknown>;

/**
 * One event applied to a record the way the server applies it under last-writer-wins: a create
 * sets the record, an update merges the fields it carries, a delete removes it. An update of a
 * missing record changes nothing (the server rejects it as a CONFLICT: delete wins).
 */
export function applyEvent(record: Row | null, event: OutboxEvent): Row | null {
  switch (event.operation) {
    case 'create':
      return { ...(event.payload as Row) };
    case 'update':
      return record === null ? null : { ...record, ...(event.payload as Row) };
    case 'delete':
      return null;
  }
}

/** A record's pending outbox rows, oldest first. */
export async function pendingRows(tx: WriteTx, model: string, key: KeyValue): Promise<OutboxRow[]> {
  // The index sorts equal index keys by primary key: FIFO order.
  return (await tx
    .objectStore(STORES.outbox)
    .index(OUTBOX_BY_RECORD)
    .getAll([model, key])) as OutboxRow[];
}

/**
 * Recomputes a record's local (optimistic) state from its `base` row and its pending events,
 * and keeps the bookkeeping invariants: a record without pending events has no `base` row, and
 * its local state is exactly the server-confirmed one.
 */
export async function rebaseRecord(tx: WriteTx, model: string, key: KeyValue): Promise<void> {
  const base = (await tx.objectStore(STORES.base).get([model, key])) as BaseRow | undefined;
  if (!base) return;
  const rows = await pendingRows(tx, model, key);
  let record = base.record;
  for (const row of rows) record = applyEvent(record, row.event);
  const store = tx.objectStore(model);
  if (record === null) await store.delete(key);
  else await store.put(record);
  if (rows.length === 0) {
    await tx.objectStore(STORES.base).delete([model, key]);
    if (base.version !== null) await putVersion(tx, { model, key, version: base.version });
  }
}

export async function getVersion(
  tx: WriteTx,
  model: string,
  key: KeyValue,
): Promise<number | null> {
  const row = (await tx.objectStore(STORES.versions).get([model, key])) as VersionRow | undefined;
  return row?.version ?? null;
}

/** Records the server version of a record; a version never goes backwards. */
export async function putVersion(tx: WriteTx, row: VersionRow): Promise<void> {
  const current = await getVersion(tx, row.model, row.key);
  if (current === null || row.version > current) await tx.objectStore(STORES.versions).put(row);
}
