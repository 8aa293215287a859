import type { IDBPTransaction } from 'idb';
import type { KeyValue, OutboxEvent } from 'swsync/schema';
import {
  type BaseRow,
  type CascadeMark,
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

/** A pending cascade applied to a record: removed if it is still under that parent. */
function applyCascade(record: Row | null, mark: CascadeMark): Row | null {
  return record !== null && record[mark.field] === mark.parentKey ? null : record;
}

/**
 * A record's local state: its server-confirmed `base`, then its own pending events and its
 * ancestors' pending cascades, interleaved in outbox order.
 */
export function replayRecord(base: BaseRow, rows: readonly OutboxRow[]): Row | null {
  const marks = [...(base.cascades ?? [])].sort((a, b) => a.seq - b.seq);
  let record = base.record;
  let next = 0;
  for (const row of rows) {
    while (next < marks.length && marks[next]!.seq < row.seq!) {
      record = applyCascade(record, marks[next++]!);
    }
    record = applyEvent(record, row.event);
  }
  while (next < marks.length) record = applyCascade(record, marks[next++]!);
  return record;
}

/**
 * Recomputes a record's local (optimistic) state from its `base` row, its pending events and
 * pending cascades, and keeps the bookkeeping invariants: a record with neither has no `base`
 * row, and its local state is exactly the server-confirmed one.
 */
export async function rebaseRecord(tx: WriteTx, model: string, key: KeyValue): Promise<void> {
  const base = (await tx.objectStore(STORES.base).get([model, key])) as BaseRow | undefined;
  if (!base) return;
  const rows = await pendingRows(tx, model, key);
  const record = replayRecord(base, rows);
  const store = tx.objectStore(model);
  if (record === null) await store.delete(key);
  else await store.put(record);
  if (rows.length === 0 && !base.cascades?.length) {
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

/**
 * Records the server version of a record; a version never goes backwards, and a row without a
 * scope keeps the scope the record had (spaces).
 */
export async function putVersion(tx: WriteTx, row: VersionRow): Promise<void> {
  const versions = tx.objectStore(STORES.versions);
  const current = (await versions.get([row.model, row.key])) as VersionRow | undefined;
  if (current && row.version <= current.version) return;
  const scope = row.scope ?? current?.scope;
  await versions.put(scope === undefined ? row : { ...row, scope });
}
