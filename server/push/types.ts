import type { KeyValue, Model, Operation, OutboxEvent, Schema } from 'swsync/schema';
import type { SyncStore } from '../store/types.ts';

/**
 * An event as it arrives: the route has only checked that it is an object with a string `id`;
 * everything else is judged per event by `applyPush`.
 */
export type PushEventInput = { readonly id: string; readonly [field: string]: unknown };

/**
 * The part of a schema the server reads: any `defineSchema(...)` result fits, and so does a
 * structural stand-in that answers these four members.
 */
export type SyncSchema = Pick<Schema, 'getModel' | 'childrenOf' | 'ownershipChain' | 'modelNames'>;

/** The caller's scope, or a function giving the scope of each (well-formed) event. */
export type ScopeKey = string | ((event: OutboxEvent) => string);

/** What the application's hook sees for an event that passed every built-in check. */
export interface CustomValidationContext {
  event: OutboxEvent;
  model: string;
  operation: Operation;
  key: KeyValue;
  scope: string;
  /** The record as it would be stored; null for a delete. */
  record: Record<string, unknown> | null;
  /** The current record; null when it does not exist. */
  previous: Record<string, unknown> | null;
}

/**
 * The application's last word on an event: return an error message to reject it with
 * `CUSTOM_VALIDATION_FAILED`, or nothing to accept it. Runs inside the push transaction (the
 * scope is locked), so keep it quick; it may run again when the transaction is retried.
 */
export type CustomValidation = (
  context: CustomValidationContext,
) => string | null | undefined | Promise<string | null | undefined>;

export interface ApplyPushOptions {
  events: readonly PushEventInput[];
  /**
   * v1's fixed rule: the caller's scope, or the scope of each event. Give this or `account`.
   */
  scopeKey?: ScopeKey;
  /**
   * Shared spaces (docs/protocol.md, "Spaces"): the pushing account. An event's scope is its
   * record's, else its parent's, else (a new root) the account's personal scope (its id); the
   * account must be a member of it with a role that writes. Idempotency is keyed by the
   * account, so a retried event is recognised after a share moved its record.
   */
  account?: string;
  store: SyncStore;
  schema: SyncSchema;
  customValidation?: CustomValidation;
  /** The pushing client's id, stored with its changes. */
  clientId?: string | null;
  /**
   * Outbox counters (docs/protocol.md, "Outbox counters"): the pushing client's outbox. Set,
   * every event must carry `outboxSeq` (a positive safe integer, strictly increasing within the
   * batch; a `TypeError` otherwise) and idempotency rests on one row per (owner, outbox id)
   * instead of one per event id. `front` (default: the first event's `outboxSeq`) is the
   * client's oldest queued event. `owner` is the counter's namespace: by default the `account`,
   * else a string `scopeKey`; give it with a function `scopeKey` (the routes give the
   * authenticated identity).
   *
   * @example
   * applyPush({ ..., account, outbox: { id: outboxId, front: 41 }, events: [{ ...e, outboxSeq: 41 }] });
   */
  outbox?: { id: string; front?: number; owner?: string };
  /** Attempts when the transaction hits a race or a serialization failure. Default 4. */
  maxAttempts?: number;
}

/** A change made by the server itself (an admin action, a job). */
export interface ServerWrite {
  /** Optional, only to match results to writes (default `server-write-<index>`); not remembered. */
  id?: string;
  /**
   * Makes the write idempotent, like a push event's id: a write whose key was already applied
   * in its scope is not applied again, and its result repeats the first one. Any string of
   * 1..256 characters, unique per scope and per intended change (e.g. `invoice-42:paid`);
   * kept in its own table, so it can never collide with a client's event id.
   */
  idempotencyKey?: string;
  entityType: string;
  entityKeyPath?: (string | number)[];
  operation: Operation;
  payload: Record<string, unknown> | unknown[] | null;
  baseVersion?: number | null;
}

export interface ApplyServerWritesOptions {
  events: readonly ServerWrite[];
  /** The scope the writes belong to, or a function of each write. Give this or `account`. */
  scopeKey?: ScopeKey;
  /** Writes as this account, under the spaces rules of {@link ApplyPushOptions.account}. */
  account?: string;
  store: SyncStore;
  schema: SyncSchema;
  customValidation?: CustomValidation;
  maxAttempts?: number;
}

/** An event that passed the model, operation and shape checks. */
export interface PreparedEvent {
  index: number;
  id: string;
  event: OutboxEvent;
  modelName: string;
  model: Model;
  operation: Operation;
  key: KeyValue;
  /** The key as stored: JSON text, so the string "1" and the number 1 stay distinct. */
  keyText: string;
  /** The scope by `scopeKey`; with `account`, the account's personal scope until resolved. */
  scope: string;
  /** Where the ledger remembers the event: `scope`, or the account with `account`. */
  ledgerScope: string;
  /** create: the full parsed record; update: the parsed patch; delete: null. */
  data: Record<string, unknown> | null;
  /** The parent named by the payload (child create, or an update that moves the record). */
  newParent: { model: string; keyText: string } | null;
  baseVersion: number | null;
  /**
   * What idempotency remembers the event by in its scope: a push event's id, a server write's
   * `idempotencyKey`; null when nothing is remembered (a server write without a key).
   */
  ledgerKey: string | null;
  /** Outbox counters: the event's `outboxSeq`; null for a push without counters. */
  outboxSeq: number | null;
}
