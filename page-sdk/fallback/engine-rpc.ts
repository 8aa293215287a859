import {
  type BroadcastMessage,
  broadcastChannelName,
  PAGE_PROTOCOL_VERSION,
  type SyncStatus,
  type WorkerRpc,
  type Write,
} from 'swsync/schema';
import type { AnySchema } from '../client/types.ts';

/** What the page host needs of the engine (`createEngine` from `swsync/sw` satisfies it). */
export interface PageEngine {
  write(writes: Write[], options: { mutationId: string }): Promise<unknown>;
  sync(
    reason?: 'write' | 'poke' | 'online' | 'visible' | 'page' | 'timer' | 'startup',
  ): Promise<unknown>;
  status(): Promise<SyncStatus>;
  setOnline(online: boolean): void;
  setHeaders(headers: Record<string, string> | undefined): void;
  readonly clientId: string;
}

export interface EngineRpcOptions {
  schemaHash: string;
  dbName: string;
  /** Sync period while the leader tab is open (default 30 s). */
  intervalMs?: number;
}

/**
 * Serves the `WorkerRpc` surface from an engine running in the page, with the triggers the
 * worker host would otherwise provide: a sync soon after writes, on pokes, on start-up and on
 * a timer. Only one database per page host; a call naming another is refused.
 */
export function engineRpc(engine: PageEngine, options: EngineRpcOptions): WorkerRpc {
  let scheduled = false;
  const syncSoon = () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      void engine.sync('write').catch(() => undefined);
    }, 5);
  };
  const check = (db: string) => {
    if (db !== options.dbName)
      throw new Error(`this page host serves "${options.dbName}", not "${db}"`);
  };
  void engine.sync('startup').catch(() => undefined);
  setInterval(() => void engine.sync('timer').catch(() => undefined), options.intervalMs ?? 30_000);
  return {
    async hello(db) {
      check(db);
      return {
        protocolVersion: PAGE_PROTOCOL_VERSION,
        dbName: db,
        schemaHash: options.schemaHash,
        clientId: engine.clientId,
      };
    },
    async write(db, mutationId, writes) {
      check(db);
      await engine.write(writes, { mutationId });
      syncSoon();
    },
    async syncNow(db) {
      check(db);
      await engine.sync('page');
      return engine.status();
    },
    async status(db) {
      check(db);
      return engine.status();
    },
    async poke(db, reason) {
      check(db);
      if (reason === 'online') engine.setOnline(true);
      void engine.sync(reason).catch(() => undefined);
    },
    async setHeaders(db, headers) {
      check(db);
      engine.setHeaders(headers ?? undefined);
    },
  };
}

/**
 * The default in-page engine: `createEngine` from `swsync/sw`, loaded only when the fallback is
 * needed, announcing on the same BroadcastChannel the worker host would use.
 */
export async function defaultPageEngine(
  schema: AnySchema,
  endpoint: string,
  dbName: string,
): Promise<WorkerRpc> {
  const { createEngine } = await import('swsync/sw');
  const channel = new BroadcastChannel(broadcastChannelName(dbName));
  const engine = await createEngine({
    schema: schema as Parameters<typeof createEngine>[0]['schema'],
    endpoint,
    dbName,
    onBroadcast: (message: BroadcastMessage) => channel.postMessage(message),
  });
  return engineRpc(engine, { schemaHash: schema.hash, dbName });
}
