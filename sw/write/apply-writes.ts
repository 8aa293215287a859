import type { KeyValue, OutboxEvent, Schema } from 'swsync/schema';
import { RecordNotFoundError } from '../errors.ts';
import { type BaseRow, type OutboxRow, type ReceiptRow, STORES } from '../store/layout.ts';
import type { LocalDb } from '../store/open.ts';
import { commitNow } from '../sync/raw-requests.ts';
import { getVersion, type WriteTx } from '../sync/replay.ts';
import { localDescendants, markCascaded } from './cascade.ts';
import { type CheckedCreate, createFresh } from './create-fresh.ts';
import { checkSchemaHash, SchemaChangedError, writeStores } from './schema-check.ts';
import { type CheckedWrite, modelOf, parseRecord } from './validate.ts';

/** The record each write left behind (`null` for a delete). */
export type WriteResults = (Record<string, unknown> | null)[];

export interface ApplyWritesOptions {
  /** Client-made id of this call: a second call with it returns the first result, no effect. */
  mutationId?: string | undefined;
  now(): Date;
  newId(): string;
  /**
   * Writes only if the database was laid out for this schema (`meta.schemaHash`), checked in
   * the write's own transaction; otherwise throws `SchemaChangedError`, nothing written.
   * For a writer other than the engine (a page) whose release may differ from the engine's.
   */
  schemaHash?: string | undefined;
}

export interface AppliedWrites {
  results: WriteResults;
  /** Every record the call changed, cascaded descendants included (empty for a duplicate). */
  changed: { model: string; key: KeyValue }[];
  /** True when `mutationId` had been seen: nothing was written this time. */
  duplicate: boolean;
}

/**
 * Applies checked writes locally and queues their outbox events, all in ONE IndexedDB
 * transaction: either every record, event, `base` row and receipt is stored, or none is.
 * Nothing but IndexedDB is awaited in here (an await on anything else lets the transaction
 * auto-commit halfway).
 *
 * @example
 * const { results } = await applyWrites(db, schema, [checkWrite(schema, write)], { now, newId });
 */
export async function applyWrites(
  db: LocalDb,
  schema: Schema,
  writes: CheckedWrite[],
  options: ApplyWritesOptions,
): Promise<AppliedWrites> {
  if (writes.length > 0 && writes.every((w): w is CheckedCreate => w.op === 'create')) {
    const created = await createFresh(db, writes, options);
    if (created) return created;
  }
  // A delete may cascade to other models' stores: they join the transaction.
  const models = writes.some((w) => w.op === 'delete')
    ? [...schema.modelNames]
    : [...new Set(writes.map((w) => w.model))];
  const tx = db.transaction(writeStores(models, options), 'readwrite') as WriteTx;
  // An aborted transaction rejects `done`; the caller gets the error that caused the abort.
  tx.done.catch(() => undefined);
  const schemaChecked = checkSchemaHash(tx, options.schemaHash);
  schemaChecked.catch(() => undefined);
  try {
    // Asked for with the first write's reads (one round trip for both); nothing is written
    // before its answer, so a repeated call still writes nothing.
    let receipt: Promise<ReceiptRow | undefined> | undefined =
      options.mutationId === undefined
        ? undefined
        : (tx.objectStore(STORES.receipts).get(options.mutationId) as Promise<
            ReceiptRow | undefined
          >);
    const createdAt = options.now().toISOString();
    const results: WriteResults = [];
    const changed: AppliedWrites['changed'] = [];
    for (const write of writes) {
      // A delete and its local cascade are one change: the descendants go with it, carry no
      // events of their own, and come back if the server refuses the delete.
      const descendants =
        write.op === 'delete' ? await localDescendants(tx, schema, write.model, write.key) : [];
      const applied = await applyOne(tx, schema, write, options.newId(), createdAt, {
        cascade: descendants.map((d) => ({ model: d.model, key: d.key })),
        receipt,
      });
      receipt = undefined;
      if ('duplicate' in applied) {
        return { results: applied.duplicate.result as WriteResults, changed: [], duplicate: true };
      }
      const { record, seq } = applied;
      results.push(record);
      changed.push({ model: write.model, key: write.key });
      if (descendants.length > 0) {
        await markCascaded(tx, seq, descendants);
        for (const d of descendants) changed.push({ model: d.model, key: d.key });
      }
    }
    if (options.mutationId !== undefined) {
      const row: ReceiptRow = {
        mutationId: options.mutationId,
        result: results,
        at: createdAt,
      };
      // Not awaited on its own: the commit below waits for it, and fails if it fails.
      void tx.objectStore(STORES.receipts).put(row);
    }
    await schemaChecked;
    // Nothing more to ask: the commit goes right behind the last request.
    commitNow(tx);
    await tx.done;
    return { results, changed, duplicate: false };
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // Already finished or aborted.
    }
    // Asked first, so answered before whatever failed: a database of another schema is the
    // reason to report (the caller hands the write to the engine), not what it made fail.
    const mismatch = await schemaChecked.then(
      () => null,
      (reason: unknown) => (reason instanceof SchemaChangedError ? reason : null),
    );
    throw mismatch ?? error;
  }
}

async function applyOne(
  tx: WriteTx,
  schema: Schema,
  write: CheckedWrite,
  eventId: string,
  createdAt: string,
  extra: Pick<OutboxRow, 'cascade'> & { receipt: Promise<ReceiptRow | undefined> | undefined },
): Promise<{ record: Record<string, unknown> | null; seq: number } | { duplicate: ReceiptRow }> {
  const model = modelOf(schema, write.model);
  const store = tx.objectStore(write.model);
  const baseStore = tx.objectStore(STORES.base);
  // Asked together: IndexedDB answers a transaction's requests in order, one round trip for all.
  const [receipt, stored, existingBase, version] = await Promise.all([
    extra.receipt,
    store.get(write.key) as Promise<Record<string, unknown> | undefined>,
    baseStore.get([write.model, write.key]) as Promise<BaseRow | undefined>,
    getVersion(tx, write.model, write.key),
  ]);
  if (receipt) return { duplicate: receipt };
  const current = stored ?? null;

  let next: Record<string, unknown> | null;
  let payload: OutboxEvent['payload'];
  switch (write.op) {
    case 'create':
      next = write.record;
      payload = write.record;
      break;
    case 'update':
      if (current === null) throw new RecordNotFoundError(write.model, write.key);
      next = parseRecord(model, write.model, { ...current, ...write.patch });
      payload = write.patch;
      break;
    case 'delete':
      next = null;
      payload = null;
      break;
  }

  // The first pending event of a record saves the server-confirmed state it started from:
  // a rejection restores it, and later events replay on top of it.
  const writes: Promise<unknown>[] = [];
  let base = existingBase;
  if (!base) {
    base = { model: write.model, key: write.key, record: current, version };
    writes.push(baseStore.put(base));
  }

  const event: OutboxEvent = {
    id: eventId,
    entityType: write.model,
    entityKeyPath: [write.key],
    operation: write.op,
    payload,
    baseVersion: base.version,
    createdAt,
  };
  const row: OutboxRow = { model: write.model, key: write.key, event };
  if (extra.cascade?.length) row.cascade = extra.cascade;
  const added = tx.objectStore(STORES.outbox).add(row) as Promise<number>;
  writes.push(next === null ? store.delete(write.key) : store.put(next));
  const [seq] = await Promise.all([added, ...writes]);
  return { record: next, seq };
}
