import type { IDBPTransaction } from 'idb';
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
    const tx = db.transaction([STORES.meta, STORES.outbox], 'readwrite');
    const outbox = await outboxOf(tx);
    const stored = (await tx.objectStore(STORES.meta).get(META_KEYS.clientId)) as
      | string
      | undefined;
    const clientId = options.clientId ?? stored ?? crypto.randomUUID();
    if (stored !== clientId) await tx.objectStore(STORES.meta).put(clientId, META_KEYS.clientId);
    const cursor = await tx.objectStore(STORES.meta).get(META_KEYS.cursor);
    const bound = (await tx.objectStore(STORES.meta).get(META_KEYS.account)) as string | undefined;
    if (bound !== undefined && options.account !== undefined && bound !== options.account) {
      throw new AccountMismatchError(resolved.dbName, bound, options.account);
    }
    if (bound === undefined && options.account !== undefined) {
      await tx.objectStore(STORES.meta).put(options.account, META_KEYS.account);
    }
    const signedOut = (await tx.objectStore(STORES.meta).get(META_KEYS.signedOut)) === true;
    const retry = (await tx.objectStore(STORES.meta).get(META_KEYS.retry)) as RetryRow | undefined;
    const roles = (await tx.objectStore(STORES.meta).get(META_KEYS.roles)) as
      | Record<string, SpaceRole>
      | undefined;
    await tx.done;
    await pruneReceipts(db, resolved.now(), resolved.receiptTtlMs);
    // The class takes loose model names and keys; the interface adds the schema's types.
    return new Engine(resolved, {
      db,
      clientId,
      outbox: resolved.outboxCounters ? outbox : null,
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

/**
 * This database's outbox id, made on first use together with the mark below which events
 * were queued before it (and so may have reached a server without a counter). Made in the
 * same database as the outbox's key generator: a deleted and recreated database starts both
 * afresh, so an outbox id never sees its counter go back.
 */
async function outboxOf(
  tx: IDBPTransaction<unknown, string[], 'readwrite'>,
): Promise<{ id: string; counterFrom: number }> {
  const meta = tx.objectStore(STORES.meta);
  const id = (await meta.get(META_KEYS.outboxId)) as string | undefined;
  if (id !== undefined) {
    return { id, counterFrom: ((await meta.get(META_KEYS.counterFrom)) as number) ?? 0 };
  }
  const last = await tx.objectStore(STORES.outbox).openKeyCursor(null, 'prev');
  const counterFrom = typeof last?.key === 'number' ? last.key : 0;
  const made = crypto.randomUUID();
  await meta.put(counterFrom, META_KEYS.counterFrom);
  await meta.put(made, META_KEYS.outboxId);
  return { id: made, counterFrom };
}
