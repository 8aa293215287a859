import type { KeyValue, Rejection, Schema, SpaceRole } from 'swsync/schema';
import type { LocalDb } from '../store/open.ts';

/** Everything a push or pull needs from its engine: plain values and functions, no globals. */
export interface SyncContext {
  db: LocalDb;
  schema: Schema;
  /** Base URL of the sync routes, without a trailing slash. */
  endpoint: string;
  fetch: typeof fetch;
  credentials: RequestCredentials;
  /** Extra request headers (e.g. Authorization), read at each request. */
  headers(): Record<string, string> | undefined;
  clientId: string;
  /**
   * Outbox counters: this outbox's id, and the last outbox `seq` pushed without a counter.
   * null: events are pushed without counters (EngineOptions.outboxCounters false).
   */
  outbox: { id: string; counterFrom: number } | null;
  batchSize: number;
  pullLimit: number;
  /** Pull every scope of the account (EngineOptions.spaces). */
  spaces: boolean;
  isOnline(): boolean;
  now(): number;
  /** Epoch ms at which this run must stop starting new requests. */
  deadline: number;
  /** Longest a single request may take. */
  requestTimeoutMs: number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  /** Records changed locally by this run (after its transaction committed). */
  onChange(changes: ChangedKeys): void;
  onRejected(rejections: Rejection[]): void;
  /** A batch's results are stored: the pending count changed. */
  onPushed(): void;
  /**
   * Records received so far by a full pull (or by the pull of newly granted scopes), and how
   * many it holds (null: not known).
   */
  onPullProgress(records: number, total: number | null): void;
  /** Spaces: the account's roles changed (scope → role, every scope it is a member of). */
  onRoles(roles: Record<string, SpaceRole>): void;
}

/** Keys of changed records, by model: what a `change` broadcast carries. */
export type ChangedKeys = Map<string, Set<KeyValue>>;

export function addChange(changes: ChangedKeys, model: string, key: KeyValue): void {
  let keys = changes.get(model);
  if (!keys) {
    keys = new Set();
    changes.set(model, keys);
  }
  keys.add(key);
}

/** Why a push or pull stopped before it was done. */
export type SyncFailure =
  | { kind: 'offline' }
  | { kind: 'retryable'; message: string; status?: number; retryAfterMs?: number | undefined }
  | { kind: 'unauthorized' }
  /** 403 ACCOUNT_MISMATCH: the credentials are another account's. */
  | { kind: 'account-mismatch' }
  | { kind: 'budget' };

export type SyncOutcome = { kind: 'done' } | SyncFailure;
