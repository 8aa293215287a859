import type { Context } from 'hono';
import type { Models, OutboxEvent, Schema } from 'swsync/schema';
import type { CustomValidation } from '../push/types.ts';
import type { SyncStore } from '../store/types.ts';
import type { ErrorLogger } from './errors.ts';

/**
 * Who is calling: the caller's identity (by default also its scope), or null when the request
 * carries no valid credentials (→ 401). Read cookies or headers from `c`; may be async.
 */
export type SyncAuth = (
  c: Context,
) => string | null | undefined | Promise<string | null | undefined>;

/**
 * The scope a request may touch, from the caller's identity. For a push it is asked per event
 * (`event` set); for pull and the poke stream, once per request (`event` undefined), so it must
 * give the caller's one scope without an event.
 */
export type SyncScopeKey = (identity: string, event?: OutboxEvent) => string;

/**
 * Opens a store for one request; `syncRoutes` closes it once that request is done (for
 * `/events`, when the stream ends). For runtimes whose connections cannot outlive a request:
 * workerd, where a store shared across requests fails from the second request on with "Cannot
 * perform I/O on behalf of a different request".
 *
 * @example
 * syncRoutes({ store: (c) => openPostgresStore({ url: c.env.DATABASE_URL }), schema, auth });
 */
export type SyncStoreFactory = (c: Context) => SyncStore | Promise<SyncStore>;

export interface SyncRoutesOptions<M extends Models = Models> {
  /**
   * The database: a store opened once (`openPGliteStore()`, `openPostgresStore()` or
   * `openStore()`) and shared by every request, or a {@link SyncStoreFactory} opening one per
   * request (workerd).
   */
  store: SyncStore | SyncStoreFactory;
  /** The models, shared with the clients. */
  schema: Schema<M>;
  /** Authenticates a request; null → 401. */
  auth: SyncAuth;
  /**
   * Default: shared spaces (docs/protocol.md, "Spaces"): the caller's personal scope is the
   * identity `auth` returned, and its memberships give it more. Set to fix the scope per
   * request as in v1 (no memberships, no `/members` routes, no spaces pulls).
   */
  scopeKey?: SyncScopeKey;
  /**
   * Whether `POST {base}/members` may share with this account (e.g. it signed in once);
   * false → 404 `no such account`. Default: any account id.
   */
  accountExists?: (account: string) => boolean | Promise<boolean>;
  /** The application's last check on each event (→ `CUSTOM_VALIDATION_FAILED`). */
  customValidation?: CustomValidation;
  /** Most events one push may carry; more → 413. Default 100. */
  maxBatchSize?: number;
  /**
   * Honour outbox counters (docs/protocol.md, "Outbox counters"): a push with `outboxId` is
   * made idempotent by one row per client outbox instead of one per event id. Default true.
   * Set false while servers that do not know them share the database (a rolling upgrade from
   * a version before them): such a server ignores the counters, and a batch retried there
   * after a lost answer would be applied again. With false, `outboxId` and `outboxSeq` are
   * ignored and every push is idempotent by event id, as in v1.
   */
  outboxCounters?: boolean;
  /** Largest request body in bytes, declared or streamed; more → 413. Default 1 MiB. */
  bodyLimit?: number;
  /**
   * Interval of the SSE heartbeat comment, in ms. Default 25 000: below the 30–100 s idle
   * limits of common proxies. On Bun, whose server cuts a silent connection after 10 s
   * (`idleTimeout`), `/events` turns that limit off for its own request.
   */
  heartbeatMs?: number;
  /** Where unexpected errors are logged. Default `console.error`. */
  logger?: ErrorLogger;
}

/** Default most events per push. */
export const DEFAULT_MAX_BATCH_SIZE = 100;
