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
  scopeKey: ScopeKey;
  store: SyncStore;
  schema: SyncSchema;
  customValidation?: CustomValidation;
  /** The pushing client's id, stored with its changes. */
  clientId?: string | null;
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
  /** The scope the writes belong to, or a function of each write. */
  scopeKey: ScopeKey;
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
  scope: string;
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
}
