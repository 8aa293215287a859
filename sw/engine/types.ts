import type {
  CreateInput,
  KeyOf,
  Patch,
  RecordOf,
  Schema,
  SignOutResult,
  SpaceRole,
  SyncStatus,
  Write,
} from 'swsync/schema';
import type { WriteResults } from '../write/apply-writes.ts';

export type ModelName<S extends Schema> = keyof S['models'] & string;
export type ModelOfSchema<S extends Schema, N extends ModelName<S>> = S['models'][N];

export interface WriteOptions {
  /**
   * Client-made id of this call. A repeated call with the same id (a page retrying after a
   * worker restart) writes nothing and returns the first call's result, across restarts too.
   */
  mutationId?: string;
}

/** Where the retry schedule stands: for status displays and tests. */
export interface RetryState {
  /** Consecutive retryable failures (offline never counts). */
  attempt: number;
  /** Epoch ms of the scheduled retry (in the past while it runs), or null when none is. */
  at: number | null;
}

/**
 * What triggered a sync. While a retry is scheduled only `'manual'` and `'page'` (the user's
 * `syncNow`), `'retry'` (the scheduled retry) and a network change the engine saw go ahead;
 * every other reason waits for it. `'manual'`, `'page'`, `'headers'`, `'authorized'` (the
 * server accepted the account's credentials again) and `'resume'` (the account signed in) also
 * lift an `unauthorized` or `account-mismatch` pause.
 */
export type SyncReason =
  | 'resume'
  | 'manual'
  | 'page'
  | 'headers'
  | 'online'
  | 'retry'
  | 'background-sync'
  | 'write'
  | 'poke'
  | 'authorized'
  | 'visible'
  | 'open'
  | 'startup'
  | 'timer'
  | (string & {});

/** The sync engine over one local database. Every method resumes from IndexedDB state. */
export interface SyncEngine<S extends Schema = Schema> {
  readonly clientId: string;
  readonly dbName: string;
  readonly schema: S;
  /** The account the database belongs to (`EngineOptions.account`); null for none (v1). */
  readonly account: string | null;
  create<N extends ModelName<S>>(
    model: N,
    record: CreateInput<ModelOfSchema<S, N>>,
    options?: WriteOptions,
  ): Promise<RecordOf<ModelOfSchema<S, N>>>;
  update<N extends ModelName<S>>(
    model: N,
    key: KeyOf<ModelOfSchema<S, N>>,
    patch: Patch<ModelOfSchema<S, N>>,
    options?: WriteOptions,
  ): Promise<RecordOf<ModelOfSchema<S, N>>>;
  delete<N extends ModelName<S>>(
    model: N,
    key: KeyOf<ModelOfSchema<S, N>>,
    options?: WriteOptions,
  ): Promise<void>;
  /** Several writes committed atomically: all or none. Results in order (`null` for deletes). */
  transaction(writes: Write[], options?: WriteOptions): Promise<WriteResults>;
  /** {@link SyncEngine.transaction} under the name the Service Worker host calls. */
  write(writes: Write[], options?: WriteOptions): Promise<WriteResults>;
  get<N extends ModelName<S>>(
    model: N,
    key: KeyOf<ModelOfSchema<S, N>>,
  ): Promise<RecordOf<ModelOfSchema<S, N>> | undefined>;
  list<N extends ModelName<S>>(model: N): Promise<RecordOf<ModelOfSchema<S, N>>[]>;
  /**
   * Spaces (`EngineOptions.spaces`): the account's role in each shared scope it is a member
   * of, scope → `'owner' | 'editor' | 'viewer'`, as of the last pull; `{}` without spaces.
   * Also in `status().roles`.
   */
  roles(): Promise<Record<string, SpaceRole>>;
  /**
   * Spaces: the account's role on the scope of a local record (its parent's for a child):
   * `'owner'` in its personal scope or for a record the server has not placed yet. A UI
   * disables writes on `'viewer'` records (the server answers their writes `FORBIDDEN_ROLE`,
   * and the engine rolls them back). Throws for an unknown model.
   *
   * @example
   * const readOnly = (await engine.roleOf('Board', boardId)) === 'viewer';
   */
  roleOf<N extends ModelName<S>>(model: N, key: KeyOf<ModelOfSchema<S, N>>): Promise<SpaceRole>;
  /**
   * Push, then pull. One run at a time: calls during a run share one follow-up run. Resolves
   * with the status after the run (failures are in `status.lastError`, never thrown).
   */
  sync(reason?: SyncReason): Promise<SyncStatus>;
  status(): Promise<SyncStatus>;
  /**
   * Another connection (a page) committed writes to this database's outbox: broadcasts the
   * status with the outbox counted again. Starts no sync: call `sync('write')` for that.
   */
  outboxWritten(): void;
  retryState(): RetryState;
  setOnline(online: boolean): void;
  /** Extra request headers, e.g. Authorization. Memory only: never stored, queued or logged. */
  setHeaders(headers: Record<string, string> | undefined): void;
  /**
   * `account` signed in on this device: binds a database that has none, and resumes syncing
   * at once if it was paused for want of that account (`unauthorized`, `account-mismatch`,
   * `signed-out`). Throws `AccountMismatchError` for a database bound to another account.
   *
   * @example
   * await engine.resume(userId); // after the user signed in again
   */
  resume(account: string): Promise<void>;
  /**
   * The account signed out here: no request is made for this database, across restarts too,
   * until `resume(account)`. Pending writes stay queued; resolves with their number.
   *
   * @example
   * const { pending } = await engine.signOut(); // "2 changes will sync at your next sign-in"
   */
  signOut(): Promise<SignOutResult>;
  /** Closes the engine and deletes its local database, pending writes included. */
  destroy(): Promise<void>;
  /**
   * Stops timers and closes the database; a run in flight ends at its next step. Also happens by
   * itself when another context upgrades the database (see `EngineOptions.onClosed`).
   */
  close(): Promise<void>;
}
