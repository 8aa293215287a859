import type { Schema, SyncStatus, WorkerRpc } from 'swsync/schema';
import { createEngine } from '../engine/index.ts';
import { BackgroundWork } from './background-work.ts';
import { EngineRegistry } from './engines.ts';
import type { EngineFactory } from './hosted-engine.ts';
import { type KnownDatabases, knownDatabases } from './known-databases.ts';
import { createWorkerApi } from './worker-api.ts';

export interface SyncHostOptions {
  schema: Schema;
  /** Base URL of the sync routes. */
  endpoint: string;
  /** Creates an engine per local database; `createEngine` from this package by default. */
  createEngine?: EngineFactory;
  /** Delay that lets a burst of writes leave in one push (default 5 ms). */
  writeDebounceMs?: number;
  /** Asks the platform to wake the host once it is back online (Background Sync), if it can. */
  requestBackgroundSync?: () => void;
  /**
   * Where the host remembers the databases pages opened, for start-up and Background Sync.
   * Default: the IndexedDB database `swsync-host`.
   */
  known?: KnownDatabases;
  /** Shared spaces for every engine of the host: `EngineOptions.spaces`, default false. */
  spaces?: boolean | undefined;
}

/** The engines of one host (a Service Worker, or the leader tab without one) and their RPC. */
export interface SyncHost {
  /** What pages call. */
  readonly rpc: WorkerRpc;
  /** Work started by calls, to keep a Service Worker alive for (`waitUntil`). */
  readonly work: BackgroundWork;
  /**
   * Syncs every database pages opened here, one after the other. Once any of them belongs to an
   * account, databases bound to none (v1) are left to their own pages: no trigger without a
   * page may sync them under whichever session the browser holds.
   */
  syncAll(reason: string): Promise<void>;
  statuses(): Promise<SyncStatus[]>;
}

/**
 * Builds a host's engines and RPC object; the Service Worker host and the page fallback add
 * their own triggers around it.
 *
 * @example
 * const host = createSyncHost({ schema, endpoint: '/api/sync' });
 * await host.rpc.write('swsync', crypto.randomUUID(), [{ op: 'create', model: 'Todo', record }]);
 */
export function createSyncHost(options: SyncHostOptions): SyncHost {
  const work = new BackgroundWork();
  const registry = new EngineRegistry({
    schema: options.schema,
    endpoint: options.endpoint,
    createEngine: options.createEngine ?? createEngine,
    known: options.known ?? knownDatabases(),
    onRetryLater: options.requestBackgroundSync ?? (() => {}),
    spaces: options.spaces,
  });
  return {
    rpc: createWorkerApi({
      registry,
      work,
      schemaHash: options.schema.hash,
      schemaFingerprint: options.schema.fingerprint,
      writeDebounceMs: options.writeDebounceMs ?? 5,
    }),
    work,
    syncAll: (reason) =>
      work.run(async () => {
        const engines = await registry.all();
        const accounts = engines.some((engine) => engine.account !== null);
        for (const engine of engines) {
          if (accounts && engine.account === null) continue;
          await engine.sync(reason);
        }
      }),
    statuses: async () => Promise.all((await registry.all()).map((e) => e.status())),
  };
}
