import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import type { BroadcastMessage, LogWithRecord, Rejection } from 'swsync/schema';
import { openPGliteStore, openPostgresStore, type SyncStore } from 'swsync/server';
import { demoSchema } from '../../demo/schema.ts';
import { bearerAuth, type ServedApp, serveSyncRoutes } from '../../server/http/testing/index.ts';
import { drain } from '../../server/testing/drain.ts';
import { createTestDatabase, testDatabaseUrl } from '../../server/testing/postgres-db.ts';
import { createEngine } from '../../sw/engine/create-engine.ts';
import type { EngineOptions } from '../../sw/engine/options.ts';
import type { SyncEngine } from '../../sw/engine/types.ts';

export type DemoEngine = SyncEngine<typeof demoSchema>;

export interface ReliabilityStore {
  store: SyncStore;
  kind: 'pglite' | 'postgres';
  /** The test database's URL (PostgreSQL only). */
  url?: string;
  /** Opens another store on the same PostgreSQL database (another pool): a second instance. */
  openAnother?(max?: number): Promise<SyncStore>;
  close(): Promise<void>;
}

/**
 * PostgreSQL on a database created for this file when `DATABASE_URL` is set (dropped on close),
 * else one in-memory PGlite.
 */
export async function openReliabilityStore(max = 8): Promise<ReliabilityStore> {
  if (!testDatabaseUrl()) {
    const store = await openPGliteStore();
    return { store, kind: 'pglite', close: () => store.close() };
  }
  const database = await createTestDatabase();
  const stores: SyncStore[] = [];
  const open = async (poolSize = max) => {
    const s = await openPostgresStore({ url: database.url, max: poolSize, closeTimeoutSeconds: 1 });
    stores.push(s);
    return s;
  };
  const store = await open();
  return {
    store,
    kind: 'postgres',
    url: database.url,
    openAnother: open,
    async close() {
      await Promise.allSettled(stores.map((s) => s.close()));
      await database.drop();
    },
  };
}

export interface ServedRoutes extends ServedApp {
  /** `${url}/api/sync` */
  endpoint: string;
  /** Unexpected errors the routes logged (each one was a 500). */
  errors: string[];
}

/** The real sync routes over the demo schema on a real port; identity from `Bearer <user>`. */
export async function serveDemoRoutes(store: SyncStore): Promise<ServedRoutes> {
  const errors: string[] = [];
  const served = await serveSyncRoutes({
    store,
    schema: demoSchema,
    auth: bearerAuth,
    logger: (message, error) => errors.push(`${message}: ${String(error)}`),
  });
  return { ...served, endpoint: `${served.url}/api/sync`, errors };
}

/** One key's state on the server: its last version and record (`null`: deleted). */
export interface ServerEntry {
  version: number;
  record: Record<string, unknown> | null;
}

/** Every key the scope ever had, by `Model/key`, read through the real pull. */
export async function serverState(
  store: SyncStore,
  scope: string,
): Promise<Map<string, ServerEntry>> {
  const replica = await drain(store, scope);
  const state = new Map<string, ServerEntry>();
  for (const entry of replica.entries as LogWithRecord[]) {
    state.set(`${entry.model}/${entry.keyPath[0]}`, {
      version: entry.version,
      record: entry.record,
    });
  }
  return state;
}

/** The live records of a server state, by `Model/key`. */
export function liveRecords(state: Map<string, ServerEntry>): Map<string, Record<string, unknown>> {
  const live = new Map<string, Record<string, unknown>>();
  for (const [id, entry] of state) if (entry.record) live.set(id, entry.record);
  return live;
}

/** Every record an engine holds locally, by `Model/key`. */
export async function localRecords(
  engine: DemoEngine,
): Promise<Map<string, Record<string, unknown>>> {
  const local = new Map<string, Record<string, unknown>>();
  for (const model of ['Board', 'Todo'] as const) {
    for (const record of (await engine.list(model)) as Record<string, unknown>[]) {
      local.set(`${model}/${String(record.id)}`, record);
    }
  }
  return local;
}

/** Sorted entries, for equality assertions that print well. */
export const sorted = (map: Map<string, unknown>) =>
  [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export interface TestEngine {
  engine: DemoEngine;
  idb: IDBFactory;
  rejections: Rejection[];
}

/**
 * An engine over the demo schema on its own fake IndexedDB (unless `options.indexedDB` names
 * one), signed in as `user` and tagged `client` (the `x-rel-client` header the proxy counts).
 */
export async function demoEngine(
  user: string,
  client: string,
  options: Partial<EngineOptions<typeof demoSchema>> & { endpoint: string },
): Promise<TestEngine> {
  const idb = (options.indexedDB as IDBFactory | undefined) ?? new IDBFactory();
  const rejections: Rejection[] = [];
  const engine = await createEngine({
    schema: demoSchema,
    isOnline: () => true,
    ...options,
    indexedDB: idb,
    onBroadcast: (m: BroadcastMessage) => {
      if (m.type === 'rejected') rejections.push(m.rejection);
      options.onBroadcast?.(m);
    },
  });
  engine.setHeaders({ authorization: `Bearer ${user}`, 'x-rel-client': client });
  return { engine, idb, rejections };
}

/** Runs `check` until it holds or `timeoutMs` passes (then throws with `what`). */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
