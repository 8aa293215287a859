import { type ReceiptRow, STORES } from '../store/layout.ts';
import type { LocalDb } from '../store/open.ts';

/** Default life of a write receipt: far longer than any page retries a call. */
export const DEFAULT_RECEIPT_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Deletes write receipts (mutationId → result) older than `ttlMs`, so the store does not grow
 * forever. A page retries a call within seconds of a worker restart; a week is generous.
 *
 * @example
 * await pruneReceipts(db, Date.now(), DEFAULT_RECEIPT_TTL_MS);
 */
export async function pruneReceipts(db: LocalDb, nowMs: number, ttlMs: number): Promise<number> {
  const cutoff = new Date(nowMs - ttlMs).toISOString();
  const tx = db.transaction(STORES.receipts, 'readwrite');
  let pruned = 0;
  for await (const cursor of tx.store) {
    // ISO-8601 strings in UTC order like the instants they name.
    if ((cursor.value as ReceiptRow).at < cutoff) {
      await cursor.delete();
      pruned++;
    }
  }
  await tx.done;
  return pruned;
}
