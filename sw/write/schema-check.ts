import { META_KEYS, STORES } from '../store/layout.ts';
import type { WriteTx } from '../sync/replay.ts';

/**
 * The database holds another schema than the writer's (`ApplyWritesOptions.schemaHash`):
 * nothing was written. The engine, which owns the layout, must make the write.
 */
export class SchemaChangedError extends Error {
  constructor(
    readonly expected: string,
    readonly stored: unknown,
  ) {
    super(`the local database holds schema ${String(stored)}, not ${expected}`);
    this.name = 'SchemaChangedError';
  }
}

/**
 * Asks, in `tx`, for the schema hash the database was laid out for (when the caller names
 * one); the answer throws {@link SchemaChangedError} if it differs. Await it before the commit.
 */
export function checkSchemaHash(tx: WriteTx, expected: string | undefined): Promise<void> {
  if (expected === undefined) return Promise.resolve();
  return (tx.objectStore(STORES.meta).get(META_KEYS.schemaHash) as Promise<unknown>).then(
    (stored) => {
      if (stored !== expected) throw new SchemaChangedError(expected, stored);
    },
  );
}

/** The stores a write of `models` reaches: the models', the write path's, `meta` if checked. */
export function writeStores(
  models: Iterable<string>,
  options: { schemaHash?: string | undefined },
): string[] {
  const stores = [...models, STORES.outbox, STORES.base, STORES.versions, STORES.receipts];
  if (options.schemaHash !== undefined) stores.push(STORES.meta);
  return stores;
}
