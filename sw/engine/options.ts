import { type BroadcastMessage, PULL_LIMIT_MAX, type Schema } from 'swsync/schema';
import { type BackoffOptions, DEFAULT_BACKOFF, timerDelay } from '../sync/backoff.ts';
import { DEFAULT_RECEIPT_TTL_MS } from '../write/receipts.ts';

export type TimerId = unknown;

/** Options of {@link createEngine}; every default is documented on its field. */
export interface EngineOptions<S extends Schema = Schema> {
  schema: S;
  /** Base URL of the sync routes: push goes to `${endpoint}/push`, pull to `${endpoint}/pull`. */
  endpoint: string;
  /** Local database name; pages read records from it directly. Default `'swsync'`. */
  dbName?: string;
  /**
   * The account the database belongs to (what the server's `auth` returns for it). Bound to the
   * database when first given and never changed: every request then names it in the
   * `Swsync-Account` header, and the server refuses it under another account's credentials
   * (the engine pauses, `'account-mismatch'`, nothing rolled back). Opening a database bound to
   * another account throws `AccountMismatchError`. Default: the bound one, or none (v1).
   */
  account?: string;
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Default `'same-origin'` (session cookies of the app's origin). */
  credentials?: RequestCredentials;
  /** Events per push, default 100 (the server's default limit; never set it above the server's). */
  batchSize?: number;
  /**
   * Entries per pull page, 1..1000. Default 1000, the most the protocol allows: fewer round
   * trips and IndexedDB transactions for an initial sync.
   */
  pullLimit?: number;
  /**
   * Default `{ baseMs: 1000, capMs: 300_000 }`. Every retry delay, a server's `Retry-After`
   * included, is at most `capMs` (itself at most 2^31-1 ms, the longest timer there is).
   */
  backoff?: Partial<BackoffOptions>;
  /** Uniform [0, 1) source for backoff jitter. Default `Math.random`. */
  random?: () => number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /**
   * Timers, injectable for fake clocks. Default the global ones. The engine never asks for a
   * delay beyond 2^31-1 ms (which would fire at once): every delay is clamped before it gets here.
   */
  setTimeout?: (fn: () => void, ms: number) => TimerId;
  clearTimeout?: (id: TimerId) => void;
  /** Default the global `indexedDB`. */
  indexedDB?: IDBFactory;
  /** Whether the platform believes it is online. Default `navigator.onLine` (true without it). */
  isOnline?: () => boolean;
  /**
   * Called with every change (local or pulled), every status change and every rejection; a host
   * posts these on `BroadcastChannel(broadcastChannelName(dbName))`.
   */
  onBroadcast?: (message: BroadcastMessage) => void;
  /**
   * The engine is offline with events pending: a host registers Background Sync here, so the
   * browser wakes it when the network returns. Never called for failures while online (the
   * browser would fire the sync event at once, skipping the backoff): the engine's own retry
   * timer carries those.
   */
  onRetryLater?: () => void;
  /**
   * Called once when the engine closes: by `close()`, or because another context upgraded the
   * local database (its `versionchange`) and the engine's connection had to go. A host drops
   * the engine here and opens a new one on next use.
   */
  onClosed?: () => void;
  /** This client's id. Default: generated once and kept in `meta`. */
  clientId?: string;
  /** Longest a sync run may go on starting requests, default 150 s (a `sync` event gets ~3 min). */
  runBudgetMs?: number;
  /** Longest one request may take, default 30 s. */
  requestTimeoutMs?: number;
  /** How long a `mutationId` is remembered, default 7 days. */
  receiptTtlMs?: number;
  /**
   * Shared spaces (docs/protocol.md, "Spaces"), default `false`. When true, pulls ask for every
   * scope of the account (`spaces: true`; the server must offer them: no custom `scopeKey`),
   * each record's scope is kept, and a scope the account lost is removed locally on the next
   * pull (no outbox events; its pending writes are dropped and reported as `SCOPE_REVOKED`
   * rejections, except one the server says it applied before: a push whose answer was lost).
   * The account's roles are in `status().roles` and `roles()`. A run with pending writes
   * pulls before it pushes, so writes into a lost scope are never sent.
   *
   * @example
   * const engine = await createEngine({ schema, endpoint: '/api/sync', spaces: true });
   */
  spaces?: boolean;
  /**
   * Outbox counters (docs/protocol.md, "Outbox counters"), default `false`: each push names
   * this database's outbox (`outboxId`, made once with it) and each event its place in it
   * (`outboxSeq`, the outbox's own key), and the server keeps one row per outbox instead of
   * one per event id (about a fifth less database CPU per event; no gain in events/s measured
   * here, bench/README.md). A server that does not know them ignores both and goes by event
   * ids. Off by default because a local database restored from a backup (a copied browser
   * profile, a VM snapshot) counts again from an older position, and the server takes its new
   * events for replays of old ones: they would be lost. Event ids have no such failure.
   */
  outboxCounters?: boolean;
}

export interface ResolvedEngineOptions<S extends Schema = Schema> {
  schema: S;
  endpoint: string;
  dbName: string;
  fetch: typeof fetch;
  credentials: RequestCredentials;
  batchSize: number;
  pullLimit: number;
  backoff: BackoffOptions;
  random: () => number;
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => TimerId;
  clearTimeout: (id: TimerId) => void;
  indexedDB: IDBFactory;
  isOnline: () => boolean;
  onBroadcast: (message: BroadcastMessage) => void;
  onRetryLater: () => void;
  onClosed: () => void;
  runBudgetMs: number;
  requestTimeoutMs: number;
  receiptTtlMs: number;
  spaces: boolean;
  outboxCounters: boolean;
}

/** Fills in the defaults, reading globals only when an option is absent. */
export function resolveOptions<S extends Schema>(
  options: EngineOptions<S>,
): ResolvedEngineOptions<S> {
  const nav = (globalThis as { navigator?: { onLine?: boolean } }).navigator;
  return {
    schema: options.schema,
    endpoint: options.endpoint.replace(/\/+$/, ''),
    dbName: options.dbName ?? 'swsync',
    // Bound: a bare `fetch` reference called as a method of another object throws in browsers.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    credentials: options.credentials ?? 'same-origin',
    batchSize: options.batchSize ?? 100,
    pullLimit: options.pullLimit ?? PULL_LIMIT_MAX,
    backoff: resolveBackoff(options.backoff),
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    setTimeout: clampedTimers(options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms))),
    clearTimeout:
      options.clearTimeout ??
      ((id) => globalThis.clearTimeout(id as ReturnType<typeof globalThis.setTimeout>)),
    indexedDB: options.indexedDB ?? globalThis.indexedDB,
    isOnline: options.isOnline ?? (() => nav?.onLine ?? true),
    onBroadcast: options.onBroadcast ?? (() => undefined),
    onRetryLater: options.onRetryLater ?? (() => undefined),
    onClosed: options.onClosed ?? (() => undefined),
    runBudgetMs: options.runBudgetMs ?? 150_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    receiptTtlMs: options.receiptTtlMs ?? DEFAULT_RECEIPT_TTL_MS,
    spaces: options.spaces ?? false,
    outboxCounters: options.outboxCounters ?? false,
  };
}

function resolveBackoff(options: Partial<BackoffOptions> | undefined): BackoffOptions {
  const backoff = { ...DEFAULT_BACKOFF, ...options };
  return { baseMs: timerDelay(backoff.baseMs), capMs: timerDelay(backoff.capMs) };
}

/** One place guards every engine timer against overflow, whatever computed its delay. */
function clampedTimers(
  setTimeout: (fn: () => void, ms: number) => TimerId,
): (fn: () => void, ms: number) => TimerId {
  return (fn, ms) => setTimeout(fn, timerDelay(ms));
}
