import type {
  CreateInput,
  KeyOf,
  Model,
  Patch,
  QueryableField,
  RecordOf,
  Rejection,
  Schema,
  SignOutResult,
  SyncStatus,
} from 'swsync/schema';
import type { Subscribable } from '../live/subscribable.ts';
import type { Query } from '../store/query.ts';

/** Any declared schema; the client's types are inferred from its models. */
export type AnySchema = Schema;

export type ModelsOf<S extends AnySchema> = S['models'];

/** Reads of one model, straight from the local database. */
export interface ModelReader<M extends Model> {
  get(key: KeyOf<M>): Promise<RecordOf<M> | undefined>;
  /** Every record, in key order. */
  list(): Promise<RecordOf<M>[]>;
  /** A query on the key or a declared index (`indexes` in the model). */
  where<F extends QueryableField<M>>(field: F): Query<RecordOf<M>, RecordOf<M>[F]>;
}

/** Reads and writes of one model. Writes are validated in the page, then sent to the worker. */
export interface ModelClient<M extends Model> extends ModelReader<M> {
  /** Resolves with the parsed record once the worker stored it and queued it for the server. */
  create(record: CreateInput<M>): Promise<RecordOf<M>>;
  update(key: KeyOf<M>, patch: Patch<M>): Promise<void>;
  delete(key: KeyOf<M>): Promise<void>;
}

/** Writes of one model inside `client.transaction`: collected, then sent as one call. */
export interface ModelTransaction<M extends Model> {
  create(record: CreateInput<M>): void;
  update(key: KeyOf<M>, patch: Patch<M>): void;
  delete(key: KeyOf<M>): void;
}

export type ReadModels<S extends AnySchema> = {
  [N in keyof ModelsOf<S>]: ModelReader<ModelsOf<S>[N]>;
};
export type TransactionModels<S extends AnySchema> = {
  [N in keyof ModelsOf<S>]: ModelTransaction<ModelsOf<S>[N]>;
};
export type ClientModels<S extends AnySchema> = {
  [N in keyof ModelsOf<S>]: ModelClient<ModelsOf<S>[N]>;
};

/** Why the engine runs in the page instead of a Service Worker. */
export type FallbackReason = 'no-service-worker' | 'registration-failed' | 'forced';

/**
 * What the page and worker know of their protocol versions. `action` is the documented policy
 * on a mismatch: `'reload'` — the worker is newer, this page is stale: writes are refused with
 * `VersionMismatchError` (the worker keeps syncing what it already holds), reads keep working,
 * and the app should reload the page when convenient; `'update-worker'` — this page is newer:
 * the SDK asks the browser to fetch the new worker (`registration.update()`), which activates
 * once installed (the host's skipWaiting policy; its outbox lives in IndexedDB and pushes are
 * idempotent, so no queued work is lost) and the next call handshakes again with it.
 */
export interface ProtocolState {
  page: number;
  worker: number | null;
  action: 'reload' | 'update-worker' | null;
}

/** `SyncStatus` plus where the engine runs and whether page and worker understand each other. */
export interface ClientStatus extends SyncStatus {
  mode: 'service-worker' | 'page';
  /** Set when `mode` is `'page'`. */
  fallbackReason: FallbackReason | null;
  /**
   * With `fallbackReason: 'registration-failed'`: the worker URL and the browser's reason, e.g.
   * `/sw.js: … ServiceWorker script evaluation failed` (the worker's console has the exception).
   */
  fallbackError: string | null;
  /** The worker answered the last handshake. */
  connected: boolean;
  protocol: ProtocolState;
}

export interface ClientEvents {
  rejected: (error: import('../errors.ts').RejectedError, rejection: Rejection) => void;
  /**
   * Records of `model` changed here or elsewhere (a write in any tab, a pull). `keys` empty:
   * any record of the model may have changed, as after a worker's upgrade, a page back from
   * the back-forward cache, or an engine opening after one that stopped before announcing a
   * change; read again whatever you keep of it.
   */
  change: (change: { type: 'change'; model: string; keys: readonly (string | number)[] }) => void;
}

export interface ClientMethods<S extends AnySchema> {
  /** Several writes applied atomically: one IndexedDB transaction (page-sdk/README.md). */
  transaction(build: (tx: TransactionModels<S>) => void): Promise<void>;
  /**
   * Re-runs `query` whenever the worker reports a change of a model it read; reads are kept
   * between runs and patched with the changed records (page-sdk/README.md, "What a live query
   * costs"). The records it hands out are frozen and shared between runs; arrays are not.
   *
   * @example
   * const stop = client
   *   .liveQuery((db) => db.Todo.where('boardId').equals(boardId).toArray())
   *   .subscribe((todos) => render(todos));
   */
  liveQuery<T>(query: (db: ReadModels<S>) => Promise<T>): Subscribable<T>;
  readonly status: Subscribable<ClientStatus>;
  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void;
  /** Runs a sync now and resolves with the status after it. */
  syncNow(): Promise<SyncStatus>;
  /** Replaces the headers (e.g. Authorization) the worker sends; held in worker memory only. */
  setHeaders(headers: Record<string, string> | null): Promise<void>;
  /**
   * The account signs out on this device: its database stops syncing (across worker restarts
   * too) and this client closes. Local data and pending writes stay; the writes go out when a
   * client is next opened for the same account. Resolves with how many are pending. Call it
   * before ending the server session, so no sync starts in between.
   *
   * @example
   * const { pending } = await client.signOut();
   * await fetch('/api/logout', { method: 'POST' });
   * if (pending > 0) notice(`${pending} changes will sync when you sign in again`);
   */
  signOut(): Promise<SignOutResult>;
  /**
   * Deletes this account's local database from this device, pending writes included (they
   * are lost: check `status.pending` first if that matters), and closes this client.
   *
   * @example
   * await client.forget(); // "Sign out and remove data"
   */
  forget(): Promise<void>;
  close(): void;
}

/** The typed client: one property per model, plus the client methods. */
export type SyncClient<S extends AnySchema> = ClientModels<S> & ClientMethods<S>;
