import type { KeyValue, OutboxEvent } from 'swsync/schema';

/**
 * The local database layout. Pages read model stores straight from IndexedDB, so everything in
 * this file is a contract: store names, key paths and row shapes change only with a new major.
 *
 * - one store per model, named exactly like the model, keyPath = the model's key, one index per
 *   declared index field (named like the field); it holds only the plain current (optimistic)
 *   record, nothing else;
 * - the reserved stores below hold the engine's bookkeeping.
 */
export const STORES = {
  /** Pending events; the auto-increment key is the FIFO order (never wall-clock time). */
  outbox: 'outbox',
  /** Last server-confirmed record and version of every record with pending local events. */
  base: 'base',
  /** Cursor, clientId, schema hash, resync flag, account. Out-of-line string keys. */
  meta: 'meta',
  /**
   * Last known server version of a record the server confirmed; a first sync of one scope into
   * an empty database writes none for last-writer-wins models (see KnownVersions in pull.ts).
   */
  versions: 'versions',
  /** Results of writes made with a `mutationId`, so a retried call is not applied twice. */
  receipts: 'receipts',
  /** Keys seen during a full resync, to drop what the server no longer has at its end. */
  resync: 'resync',
} as const;

export type ReservedStore = (typeof STORES)[keyof typeof STORES];

/** Names no model may take. */
export const RESERVED_STORE_NAMES: readonly string[] = Object.values(STORES);

/**
 * A record's identity as one string, for the maps and sets that meet one record across stores.
 *
 * @example
 * refId('Todo', 't1'); // '["Todo","t1"]'
 */
export const refId = (model: string, key: unknown): string => JSON.stringify([model, key]);

/** Index of `outbox` on `[model, key]`: a record's pending events in FIFO order. */
export const OUTBOX_BY_RECORD = 'byRecord';

/** Keys of the `meta` store. */
export const META_KEYS = {
  cursor: 'cursor',
  clientId: 'clientId',
  schemaHash: 'schemaHash',
  /** `true` while a full resync (first pull, expired cursor, schema change) is under way. */
  resyncing: 'resyncing',
  /**
   * `true` while the resync under way started on a database with no records, no `base` rows and
   * no `versions` rows: nothing can be left over, so the pull keeps no list of what it brought
   * back, and (v1) no stored version can be newer than what it brings, so it reads none.
   */
  resyncFresh: 'resyncFresh',
  /** The account the database belongs to, set once when it is first bound; never changed. */
  account: 'account',
  /** `true` after its account signed out here, until that account opens it again. */
  signedOut: 'signedOut',
  /**
   * The scheduled retry ({@link RetryRow}) while one is: a restarted worker keeps the backoff
   * (and its timer) instead of starting over with a request at once.
   */
  retry: 'retry',
  /**
   * Deletes the server applied whose local cascades wait for the next complete pull
   * ({@link AppliedCascade}[]): only the pulled state can say which descendants the server's
   * cascade reached (a child moved away on another device, and everything under it, survives).
   */
  appliedCascades: 'appliedCascades',
  /**
   * Entries received so far by the full pull under way (a number), so its progress keeps
   * counting across runs (a run's time budget, a restarted worker); gone when it completes.
   */
  fullPullReceived: 'fullPullReceived',
  /**
   * Spaces (`EngineOptions.spaces`): the account's role in each shared scope it is a member
   * of, `Record<scope, SpaceRole>`, as the pulls told it.
   */
  roles: 'roles',
  /**
   * Spaces: a newly granted scope being pulled from its start ({@link ScopeSyncRow}), for its
   * progress; gone once every such scope is complete.
   */
  scopeSync: 'scopeSync',
  /** The full pull's `total` from its first page (a number), when the server sent one. */
  fullPullTotal: 'fullPullTotal',
  /**
   * Spaces: the highest outbox `seq` ever sent in a push request (a number), stored before the
   * request goes out. The outbox is pushed from its front and its keys only grow, so an event
   * above it was never sent: a revocation drops it without asking the server its fate.
   */
  sentThrough: 'sentThrough',
  /**
   * Outbox counters: the id of this database's outbox (a random UUID, made once when the
   * engine first opens the database; never reused, so a recreated database is a new outbox).
   */
  outboxId: 'outboxId',
  /**
   * Outbox counters: the highest outbox `seq` queued when `outboxId` was made (a number).
   * Events at or below it may have been sent without a counter (by an engine before them),
   * so they are always pushed without one: the server knows them by event id only.
   */
  counterFrom: 'counterFrom',
} as const;

/** `meta[scopeSync]`: scopes still being pulled from their start, entries received so far. */
export interface ScopeSyncRow {
  scopes: string[];
  received: number;
}

/** `meta[appliedCascades]`: an applied delete whose descendants stay hidden until a pull ends. */
export type AppliedCascade = Required<Pick<OutboxRow, 'seq' | 'model' | 'key' | 'cascade'>>;

/** `meta[retry]`: when the scheduled retry is due (epoch ms), after how many failures, why. */
export interface RetryRow {
  at: number;
  attempt: number;
  reason: string;
}

/** A row of `outbox`. `seq` is assigned by IndexedDB on insert. */
export interface OutboxRow {
  seq?: number;
  model: string;
  key: KeyValue;
  event: OutboxEvent;
  /**
   * A delete only: the descendants its local cascade removed (parents first). They are never
   * pushed: the server cascades the parent's delete itself, in its transaction. Each carries a
   * {@link CascadeMark} of this row in its `base` row until this row's result settles it.
   */
  cascade?: { model: string; key: KeyValue }[];
}

/**
 * A pending cascade on a record: the delete at outbox `seq` removes the record locally as long
 * as the record (replayed up to that point) is still a child of `parentModel`/`parentKey` via
 * `field`, as the server's cascade will only reach the children under the parent when it runs.
 */
export interface CascadeMark {
  seq: number;
  parentModel: string;
  field: string;
  parentKey: KeyValue;
}

/**
 * A row of `base` (keyPath `['model', 'key']`). `record: null` = not on the server. A record
 * has a base row while it has pending events or pending cascade marks.
 */
export interface BaseRow {
  model: string;
  key: KeyValue;
  record: Record<string, unknown> | null;
  version: number | null;
  /** Pending cascades of ancestors' deletes, in outbox order. */
  cascades?: CascadeMark[];
}

/** A row of `versions` (keyPath `['model', 'key']`). */
export interface VersionRow {
  model: string;
  key: KeyValue;
  version: number;
  /**
   * Spaces only: the scope the server last placed the record in (its entry's `scope`). Absent
   * for records pulled without spaces and for records created here and not pulled back yet
   * (their root's scope is theirs).
   */
  scope?: string;
}

/** A row of `receipts` (keyPath `mutationId`). */
export interface ReceiptRow {
  mutationId: string;
  result: unknown[];
  at: string;
}

/** A row of `resync` (keyPath `['model', 'key']`). */
export interface ResyncRow {
  model: string;
  key: KeyValue;
}
