import type { KeyValue } from './model.ts';
import type { OutboxEvent, PushError, SpaceRole } from './protocol.ts';

/**
 * What the worker and its pages say to each other outside RPC replies. Bumped whenever the
 * RPC surface or these messages change incompatibly; exchanged at handshake.
 */
export const PAGE_PROTOCOL_VERSION = 2;

// 2: accounts — `hello` names the account (and resumes it), `signOut` and `forget` exist. A page
// of 2 cannot work with a worker of 1 (it would ignore the account), so the policy applies.

/** BroadcastChannel the engine announces changes, status and rejections on. */
export const broadcastChannelName = (dbName: string) => `swsync:${dbName}`;

/**
 * Why the engine is not syncing right now, when it is not. Why a database does not sync: `'unauthorized'` — the server wants credentials (401);
 * `'account-mismatch'` — the credentials are another account's (403 ACCOUNT_MISMATCH);
 * `'signed-out'` — its account signed out on this device (kept across restarts until that
 * account opens it again); `'version-mismatch'` — page and worker speak different protocols.
 * In every case pending writes stay queued: nothing is rolled back or rejected.
 */
export type SyncPause =
  | 'unauthorized'
  | 'account-mismatch'
  | 'signed-out'
  | 'version-mismatch'
  | null;

export interface InitialSyncProgress {
  /** Records received so far by the first full pull. */
  records: number;
  /** How many the whole pull holds, when the server said (it may end a little above). */
  total: number | null;
  done: boolean;
}

/**
 * A retry the engine scheduled after a failed sync. Until `at`, nothing but the user's
 * `syncNow()` or a network change the engine saw (offline, then online) reaches the server:
 * writes, pokes, timers and Background Sync events wait for it.
 */
export interface ScheduledRetry {
  /** ISO time the retry is due. In the past while that retry runs. */
  at: string;
  /** Consecutive failed syncs, from 1; runs that found the device offline do not count. */
  attempt: number;
  /** Why the last sync failed: the message of `lastError`, e.g. `'HTTP 503: unavailable'`. */
  reason: string;
}

/** The sync state every page shows. Plain data: it crosses BroadcastChannel and RPC. */
export interface SyncStatus {
  online: boolean;
  /** Outbox events not yet acknowledged by the server, in flight included. */
  pending: number;
  syncing: boolean;
  /** ISO time of the last run that ended without error. */
  lastSyncAt: string | null;
  lastError: { code: string; message: string } | null;
  /**
   * Set from a failed sync worth retrying until a sync succeeds; null when no retry is
   * scheduled (nothing failed, the device is offline, or a pause waits for the user).
   * @example { at: '2026-11-29T23:10:08.000Z', attempt: 3, reason: 'HTTP 503: unavailable' }
   */
  retry: ScheduledRetry | null;
  paused: SyncPause;
  initialSync: InitialSyncProgress | null;
  /**
   * Engines with `spaces: true` only: the account's role in each shared scope it is a member
   * of (its personal scope, where it is the owner, is not listed). A UI disables writes where
   * the role is `viewer`; `roleOf(model, key)` on the engine names a record's.
   * @example { 's:0b6c…': 'viewer' }
   */
  roles?: Record<string, SpaceRole>;
}

/** The status of an engine that has not synced yet. */
export function idleSyncStatus(online = true): SyncStatus {
  return {
    online,
    pending: 0,
    syncing: false,
    lastSyncAt: null,
    lastError: null,
    retry: null,
    paused: null,
    initialSync: null,
  };
}

/** A local change was rejected by the server and rolled back. */
export interface Rejection {
  event: OutboxEvent;
  error: PushError;
}

export type BroadcastMessage =
  | { type: 'change'; model: string; keys: KeyValue[] }
  | { type: 'status'; status: SyncStatus }
  | { type: 'rejected'; rejection: Rejection }
  /**
   * Sent when an engine opens its database: a change broadcast may have been lost with the
   * engine before it (a worker stopped between a commit and its broadcast), so whatever a page
   * keeps from earlier broadcasts is to be read again. Pages that do not know it ignore it.
   */
  | { type: 'invalidate' };

/** One local write as it crosses from a page to the worker (typed by the page SDK). */
export type Write =
  | { op: 'create'; model: string; record: Record<string, unknown> }
  | { op: 'update'; model: string; key: KeyValue; patch: Record<string, unknown> }
  | { op: 'delete'; model: string; key: KeyValue };

/** What the worker answers at handshake. */
export interface WorkerHello {
  protocolVersion: number;
  dbName: string;
  schemaHash: string;
  /** `Schema.fingerprint` of the worker's schema; absent from a worker older than page writes. */
  schemaFingerprint?: string;
  clientId: string;
  /** The account the database belongs to; null for a database without one (v1), absent from a worker older than accounts. */
  account?: string | null;
}

/** What `signOut` reports: writes that stay queued until the account signs in again. */
export interface SignOutResult {
  pending: number;
}

/**
 * The narrow RPC surface the worker exposes to pages (through Comlink). Every method names the
 * local database it acts on, so one worker can serve several (one per signed-in user). Every
 * method is safe to retry: `write` is deduplicated by `mutationId`.
 */
/** Why a page pokes the worker (see `WorkerRpc.poke`). */
export type PokeReason = 'poke' | 'online' | 'visible' | 'authorized' | 'write';
export const POKE_REASONS: readonly PokeReason[] = [
  'poke',
  'online',
  'visible',
  'authorized',
  'write',
];

export interface WorkerRpc {
  /**
   * Handshake. With `account`, the page says that account is signed in here: the database is
   * bound to it on first use (a database bound to another account throws
   * `AccountMismatchError`), and a paused or signed-out database resumes syncing at once.
   */
  hello(db: string, pageProtocolVersion: number, account?: string | null): Promise<WorkerHello>;
  write(db: string, mutationId: string, writes: Write[]): Promise<void>;
  syncNow(db: string): Promise<SyncStatus>;
  status(db: string): Promise<SyncStatus>;
  /**
   * A page saw a reason to sync: a realtime poke, coming online, becoming visible, the
   * server accepting the database's account again (`authorized`: its event stream opened), or
   * its own write committed to the outbox on the page's connection (`write`: the worker counts
   * the outbox again and pushes after its write debounce). A worker older than `write` takes
   * it for `poke` and syncs at once.
   */
  poke(db: string, reason: PokeReason): Promise<void>;
  /** Extra request headers (e.g. Authorization), held in worker memory only. */
  setHeaders(db: string, headers: Record<string, string> | null): Promise<void>;
  /**
   * The database's account signed out: it stops syncing (across worker restarts too) until a
   * page opens it for that account again; pending writes stay queued.
   */
  signOut(db: string): Promise<SignOutResult>;
  /** Deletes the database and everything in it (pending writes included) from this device. */
  forget(db: string): Promise<void>;
}

/**
 * Every RPC message between a page and the worker travels in this envelope. Pages post requests
 * through `registration.active.postMessage` (which wakes a stopped worker, unlike a transferred
 * MessagePort). The worker answers on the port the channel's page gave it (`replyPort`: direct
 * between the two, where `client.postMessage` goes through the browser), or else with
 * `client.postMessage` to the request's source, saying `askPort` (a restarted worker has lost
 * the ports it held) so that the page sends a new one. `channel` names one page-side
 * connection, so a page that re-handshook ignores late replies meant for its previous
 * connection. `data` is a Comlink message.
 */
export const RPC_ENVELOPE_TAG = 'swsync-rpc';

export interface RpcEnvelope {
  tag: typeof RPC_ENVELOPE_TAG;
  channel: string;
  data: { id?: string } & Record<string, unknown>;
  /** Request only, transferred with it: where the worker may answer this channel from now on. */
  replyPort?: RpcReplyPort;
  /** Reply only: the worker holds no port of this channel (the page sends one). */
  askPort?: true;
}

/** The slice of a MessagePort the worker answers on. */
export interface RpcReplyPort {
  postMessage(message: unknown, transfer: Transferable[]): void;
}

export function isRpcEnvelope(data: unknown): data is RpcEnvelope {
  if (typeof data !== 'object' || data === null) return false;
  const envelope = data as Partial<RpcEnvelope>;
  return (
    envelope.tag === RPC_ENVELOPE_TAG &&
    typeof envelope.channel === 'string' &&
    typeof envelope.data === 'object' &&
    envelope.data !== null &&
    typeof envelope.data.id === 'string'
  );
}
