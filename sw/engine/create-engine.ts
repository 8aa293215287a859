import { checkAccount, type Schema, type SpaceRole } from 'swsync/schema';
import { AccountMismatchError } from '../errors.ts';
import { META_KEYS, type RetryRow, STORES } from '../store/layout.ts';
import { openLocalDb } from '../store/open.ts';
import { pruneReceipts } from '../write/receipts.ts';
import { Engine } from './engine.ts';
import { type EngineOptions, resolveOptions } from './options.ts';
import type { SyncEngine } from './types.ts';

/**
 * Opens (or creates) the local database and returns a sync engine over it. Plain TypeScript
 * over IndexedDB and `fetch`: it runs in a Service Worker, in a page (the no-worker fallback)
 * and in Node under fake-indexeddb. It does not sync by itself: its host calls `sync()` on
 * start-up, after writes, on pokes, on `online` and on a timer.
 *
 * @example
 * const engine = await createEngine({ schema, endpoint: '/api/sync' });
 * await engine.create('Todo', { id: 't1', boardId: 'b1', title: 'Milk', done: false, ... });
 * await engine.sync();
 */
export async function createEngine<S extends Schema>(
  options: EngineOptions<S>,
): Promise<SyncEngine<S>> {
  const resolved = resolveOptions(options);
  if (options.account !== undefined) checkAccount(options.account);
  const db = await openLocalDb({
    schema: resolved.schema,
    dbName: resolved.dbName,
    indexedDB: resolved.indexedDB,
  });
  try {
    const tx = db.transaction(STORES.meta, 'readwrite');
    const stored = (await tx.store.get(META_KEYS.clientId)) as string | undefined;
    const clientId = options.clientId ?? stored ?? crypto.randomUUID();
    if (stored !== clientId) await tx.store.put(clientId, META_KEYS.clientId);
    const cursor = await tx.store.get(META_KEYS.cursor);
    const bound = (await tx.store.get(META_KEYS.account)) as string | undefined;
    if (bound !== undefined && options.account !== undefined && bound !== options.account) {
      throw new AccountMismatchError(resolved.dbName, bound, options.account);
    }
    if (bound === undefined && options.account !== undefined) {
      await tx.store.put(options.account, META_KEYS.account);
    }
    const signedOut = (await tx.store.get(META_KEYS.signedOut)) === true;
    const retry = (await tx.store.get(META_KEYS.retry)) as RetryRow | undefined;
    const roles = (await tx.store.get(META_KEYS.roles)) as Record<string, SpaceRole> | undefined;
    await tx.done;
    await pruneReceipts(db, resolved.now(), resolved.receiptTtlMs);
    // The class takes loose model names and keys; the interface adds the schema's types.
    return new Engine(resolved, {
      db,
      clientId,
      initial: cursor === undefined,
      account: bound ?? options.account ?? null,
      signedOut,
      retry: retry ?? null,
      roles: roles ?? {},
    }) as unknown as SyncEngine<S>;
  } catch (error) {
    db.close();
    throw error;
  }
}
