import { type BaseRow, type OutboxRow, type ReceiptRow, STORES } from '../store/layout.ts';
import type { LocalDb } from '../store/open.ts';
import { commitNow } from '../sync/raw-requests.ts';
import type { WriteTx } from '../sync/replay.ts';
import type { AppliedWrites, ApplyWritesOptions } from './apply-writes.ts';
import { checkSchemaHash, writeStores } from './schema-check.ts';
import type { CheckedWrite } from './validate.ts';

export type CheckedCreate = Extract<CheckedWrite, { op: 'create' }>;

/**
 * The common write, creates of keys new here, in one round trip: every request goes out at
 * once and the commit right behind them, with nothing read first. The database itself checks
 * what the careful path (applyWrites) reads for: `add` refuses a receipt of the same
 * `mutationId`, a record of the same key and a `base` row already there, and any refusal aborts
 * the whole transaction. The one thing `add` cannot check, a version the server gave the key
 * (a record it deleted), is read first and answered first; one found aborts too. Returns
 * `undefined` when it aborted so, having written nothing: the caller takes the careful path.
 *
 * What it writes is what the careful path writes for a new key: the record, its outbox event
 * on no base version, a `base` row saying the server has no such record, and the receipt.
 */
export async function createFresh(
  db: LocalDb,
  writes: readonly CheckedCreate[],
  options: ApplyWritesOptions,
): Promise<AppliedWrites | undefined> {
  const models = [...new Set(writes.map((w) => w.model))];
  const tx = db.transaction(writeStores(models, options), 'readwrite') as WriteTx;
  tx.done.catch(() => undefined);
  const schemaChecked = checkSchemaHash(tx, options.schemaHash);
  const createdAt = options.now().toISOString();
  const results = writes.map((w) => w.record);
  const versions = tx.objectStore(STORES.versions);
  // Asked first, so answered before any write: the commit waits for nothing else.
  const known = writes.map((w) => versions.get([w.model, w.key]) as Promise<unknown>);
  const requests: Promise<unknown>[] = [schemaChecked, ...known];
  if (options.mutationId !== undefined) {
    const receipt: ReceiptRow = { mutationId: options.mutationId, result: results, at: createdAt };
    requests.push(tx.objectStore(STORES.receipts).add(receipt));
  }
  for (const write of writes) {
    const base: BaseRow = { model: write.model, key: write.key, record: null, version: null };
    const row: OutboxRow = {
      model: write.model,
      key: write.key,
      event: {
        id: options.newId(),
        entityType: write.model,
        entityKeyPath: [write.key],
        operation: 'create',
        payload: write.record,
        baseVersion: null,
        createdAt,
      },
    };
    requests.push(
      tx.objectStore(write.model).add(write.record),
      tx.objectStore(STORES.base).add(base),
      tx.objectStore(STORES.outbox).add(row),
    );
  }
  const settled = Promise.allSettled(requests);
  try {
    await schemaChecked;
    if ((await Promise.all(known)).some((row) => row !== undefined)) {
      tx.abort();
      await settled;
      return undefined;
    }
    commitNow(tx);
    await tx.done;
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // Already aborted: a request failed.
    }
    const refused = (await settled).some(
      (r) =>
        r.status === 'rejected' && (r.reason as { name?: unknown })?.name === 'ConstraintError',
    );
    if (refused) return undefined;
    throw error;
  }
  return {
    results,
    changed: writes.map((w) => ({ model: w.model, key: w.key })),
    duplicate: false,
  };
}
