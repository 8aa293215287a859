import { checkAccount, PAGE_PROTOCOL_VERSION, POKE_REASONS, type WorkerRpc } from 'swsync/schema';
import type { SyncReason } from '../engine/types.ts';
import { timerDelay } from '../sync/backoff.ts';
import type { BackgroundWork } from './background-work.ts';
import type { EngineRegistry } from './engines.ts';

export interface WorkerApiOptions {
  registry: EngineRegistry;
  work: BackgroundWork;
  schemaHash: string;
  schemaFingerprint: string;
  /** Delay that lets a burst of writes leave in one push. */
  writeDebounceMs: number;
}

/**
 * The narrow object pages reach over RPC: nothing else of the worker is exposed. Every method
 * is idempotent, so a page may retry any call after a timeout or a worker restart.
 */
export function createWorkerApi(options: WorkerApiOptions): WorkerRpc {
  const { registry, work } = options;
  const scheduled = new Set<string>();
  /** Databases whose pages said they wrote to the outbox since the last count. */
  const pagesWrote = new Set<string>();

  // A burst of writes shares one sync: later writes of the burst are in the outbox by the
  // time the timer fires, and the engine folds a trigger during a run into a follow-up run.
  // Writes pages made share one count of the outbox the same way.
  const syncSoon = (db: string) => {
    if (scheduled.has(db)) return;
    scheduled.add(db);
    void work.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, timerDelay(options.writeDebounceMs)));
      scheduled.delete(db);
      const engine = await registry.opened(db);
      if (pagesWrote.delete(db)) engine.outboxWritten();
      await engine.sync('write');
    });
  };

  return {
    async hello(db, _pageProtocolVersion, account) {
      const named = typeof account === 'string';
      if (named) checkAccount(account);
      const engine = await registry.get(db);
      // A page naming the account says it is signed in here: resume it if it was paused.
      if (named) await engine.resume(account);
      // A page that opens the database wants it current, a first one its initial sync now
      // rather than at the next timer (a scheduled retry still waits: see SyncReason).
      void work.run(() => engine.sync('open'));
      return {
        protocolVersion: PAGE_PROTOCOL_VERSION,
        dbName: db,
        schemaHash: options.schemaHash,
        schemaFingerprint: options.schemaFingerprint,
        clientId: engine.clientId,
        account: engine.account,
      };
    },
    async write(db, mutationId, writes) {
      await (await registry.opened(db)).write(writes, { mutationId });
      syncSoon(db);
    },
    async syncNow(db) {
      const engine = await registry.opened(db);
      await work.run(() => engine.sync('page'));
      return engine.status();
    },
    async status(db) {
      return (await registry.opened(db)).status();
    },
    async poke(db, reason) {
      const engine = await registry.opened(db);
      if (reason === 'write') {
        pagesWrote.add(db);
        return syncSoon(db);
      }
      // Only a page's reasons: a page cannot ask for what only a sign-in may do ('resume').
      const known: SyncReason = POKE_REASONS.includes(reason) ? reason : 'poke';
      if (known === 'online') engine.setOnline(true);
      void work.run(() => engine.sync(known));
    },
    async setHeaders(db, headers) {
      (await registry.opened(db)).setHeaders(headers ?? undefined);
    },
    async signOut(db) {
      return (await registry.opened(db)).signOut();
    },
    async forget(db) {
      await registry.destroy(db);
    },
  };
}
