import { unwrap } from 'idb';
import type { WriteTx } from './replay.ts';

/**
 * The plain IndexedDB transaction under `tx`. A bulk apply issues thousands of requests: on its
 * plain stores they cost no promise, listener pair or proxy each (the `idb` wrapping was about
 * a seventh of the worker's time in an initial sync). Writes need no answer at all: a failed
 * request aborts the transaction, and its caller awaits `tx.done`, which then rejects.
 */
export function rawTransaction(tx: WriteTx): IDBTransaction {
  return unwrap(tx);
}

/**
 * Resolves with each request's result once all have succeeded; rejects if any failed. One
 * transaction answers its requests in the order they were made, so only the last one is
 * listened to: when it succeeds, every earlier one has too (a failed one aborts the
 * transaction, and the last then fails with it).
 *
 * @example
 * const versions = rawTransaction(tx).objectStore('versions');
 * const rows = await results(keys.map((key) => versions.get(key)));
 */
export function results<T>(requests: readonly IDBRequest<T>[]): Promise<T[]> {
  const last = requests.at(-1);
  if (!last) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    last.onsuccess = () => resolve(requests.map((request) => request.result));
    last.onerror = () => reject(last.error);
  });
}

/**
 * Everything is asked: the transaction may commit without waiting for the answers to come back
 * first. Where `commit()` is missing (Safari before 15), it commits by itself once they have.
 */
export function commitNow(tx: WriteTx): void {
  if (typeof tx.commit === 'function') tx.commit();
}
