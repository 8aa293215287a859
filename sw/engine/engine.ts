import {
  ACCOUNT_HEADER,
  type BroadcastMessage,
  checkAccount,
  type KeyValue,
  type Rejection,
  type Schema,
  type SignOutResult,
  type SpaceRole,
  type SyncPause,
  type SyncStatus,
  type Write,
} from 'swsync/schema';
import { AccountMismatchError, EngineClosedError, errorText } from '../errors.ts';
import { META_KEYS, type RetryRow, STORES } from '../store/layout.ts';
import type { LocalDb } from '../store/open.ts';
import {
  addChange,
  type ChangedKeys,
  type SyncContext,
  type SyncOutcome,
} from '../sync/context.ts';
import { pullChanges } from '../sync/pull.ts';
import { pushOutbox } from '../sync/push.ts';
import { scopeOfRecord, storedRoles } from '../sync/spaces.ts';
import { applyWrites, type WriteResults } from '../write/apply-writes.ts';
import { checkWrite, modelOf } from '../write/validate.ts';
import type { ResolvedEngineOptions } from './options.ts';
import { afterPull, pullsAfter, toldToWait } from './outcomes.ts';
import { PendingCount } from './pending-count.ts';
import { RetrySchedule, RUNS_DURING_BACKOFF } from './retry-schedule.ts';
import { RunQueue } from './run-queue.ts';
import type { RetryState, SyncReason, WriteOptions } from './types.ts';

/**
 * Reasons that lift an `unauthorized` or `account-mismatch` pause: an explicit ask, new
 * credentials, the server accepting the account's credentials again (`authorized`: a page's
 * event stream for it opened), or the account signing in (`resume`). Only `resume` lifts
 * `signed-out`.
 */
const LIFTS_PAUSE = new Set<SyncReason>(['manual', 'page', 'headers', 'authorized', 'resume']);
/** Pauses that mean "this database's account is not signed in here". */
const SIGNED_OUT_PAUSES = new Set<SyncPause>(['unauthorized', 'account-mismatch', 'signed-out']);

export interface EngineState {
  db: LocalDb;
  clientId: string;
  /** Outbox counters: see SyncContext.outbox. */
  outbox: { id: string; counterFrom: number } | null;
  /** No cursor yet: the first pull is the initial sync and reports progress. */
  initial: boolean;
  /** The account the database is bound to, if any. */
  account: string | null;
  /** Its account signed out here and has not opened it since. */
  signedOut: boolean;
  /** The retry a previous engine on this database scheduled (a worker restarted mid-backoff). */
  retry: RetryRow | null;
  /** Spaces: the stored roles (scope → role). */
  roles: Record<string, SpaceRole>;
}

/**
 * The engine behind {@link createEngine}. Module state is only a cache of IndexedDB: outbox,
 * base, cursor and receipts all live in the database, so a new engine on the same database
 * resumes exactly where a dropped one stopped.
 */
export class Engine<S extends Schema> {
  readonly clientId: string;
  private readonly outbox: { id: string; counterFrom: number } | null;
  readonly dbName: string;
  readonly schema: S;
  private boundAccount: string | null;
  private readonly db: LocalDb;
  private readonly o: ResolvedEngineOptions<S>;
  /** The last push was answered with a request to wait (429, 503, `Retry-After`). */
  private pullFirst = false;
  private online: boolean;
  private headers: Record<string, string> | undefined;
  private paused: SyncPause = null;
  private syncing = false;
  private lastSyncAt: string | null = null;
  private lastError: SyncStatus['lastError'] = null;
  private initialSync: SyncStatus['initialSync'] = null;
  private roleMap: Record<string, SpaceRole>;
  private readonly retry: RetrySchedule;
  /** The engine saw the device offline and has not seen it online since. */
  private sawOffline = false;
  /** The engine saw the device come back online; the next run may skip a scheduled retry. */
  private networkReturned = false;
  private readonly runs = new RunQueue<SyncReason>(
    (reason) => this.runGuarded(reason),
    (reason) => RUNS_DURING_BACKOFF.has(reason) || LIFTS_PAUSE.has(reason),
  );
  private closed = false;
  private readonly pending: PendingCount;

  constructor(options: ResolvedEngineOptions<S>, state: EngineState) {
    this.o = options;
    this.db = state.db;
    this.pending = new PendingCount(() => this.db.count(STORES.outbox));
    this.clientId = state.clientId;
    this.outbox = state.outbox;
    this.dbName = options.dbName;
    this.schema = options.schema;
    this.online = true;
    this.boundAccount = state.account;
    this.roleMap = state.roles;
    if (state.signedOut) this.paused = 'signed-out';
    this.retry = new RetrySchedule(options, () => void this.sync('retry'));
    if (state.initial) this.initialSync = { records: 0, total: null, done: false };
    if (state.retry) {
      this.retry.resume(state.retry);
      this.lastError = { code: 'SYNC_FAILED', message: state.retry.reason };
    }
    // Another context upgrading the database closes this connection (see openLocalDb): the
    // engine is dead from then on, and says so instead of failing on a closed connection.
    this.db.addEventListener('versionchange', () => void this.close());
    // A change broadcast may have died with the engine before this one (a worker stopped
    // between a commit and its broadcast): pages read again what they keep.
    this.emit({ type: 'invalidate' });
  }

  // ---- writes and reads -------------------------------------------------------------------

  async create(model: string, record: object, options?: WriteOptions) {
    const [result] = await this.transaction(
      [{ op: 'create', model, record: record as Record<string, unknown> }],
      options,
    );
    return result as never;
  }

  async update(model: string, key: KeyValue, patch: object, options?: WriteOptions) {
    const [result] = await this.transaction(
      [{ op: 'update', model, key, patch: patch as Record<string, unknown> }],
      options,
    );
    return result as never;
  }

  async delete(model: string, key: KeyValue, options?: WriteOptions): Promise<void> {
    await this.transaction([{ op: 'delete', model, key }], options);
  }

  async transaction(writes: Write[], options?: WriteOptions): Promise<WriteResults> {
    this.ensureOpen();
    // Validation first: a bad write throws before a transaction exists, so nothing is written.
    const checked = writes.map((write) => checkWrite(this.schema, write));
    const { results, changed, duplicate } = await applyWrites(this.db, this.schema, checked, {
      mutationId: options?.mutationId,
      now: () => new Date(this.o.now()),
      newId: () => crypto.randomUUID(),
    });
    if (!duplicate) {
      this.pending.added(checked.length);
      const changes: ChangedKeys = new Map();
      for (const c of changed) addChange(changes, c.model, c.key);
      this.broadcastChanges(changes);
      // The count this engine keeps (no request per write); every other status counts.
      void this.broadcastStatus('kept');
    }
    return results;
  }

  write(writes: Write[], options?: WriteOptions): Promise<WriteResults> {
    return this.transaction(writes, options);
  }

  outboxWritten(): void {
    // A count, not the kept figure: this engine did not see the write, only hears of it.
    void this.broadcastStatus('counted');
  }

  async get(model: string, key: KeyValue) {
    this.ensureOpen();
    modelOf(this.schema, model);
    return (await this.db.get(model, key)) as never;
  }

  async list(model: string) {
    this.ensureOpen();
    modelOf(this.schema, model);
    return (await this.db.getAll(model)) as never;
  }

  // ---- sync runs --------------------------------------------------------------------------

  async sync(reason: SyncReason = 'manual'): Promise<SyncStatus> {
    if (!this.closed) await this.runs.trigger(reason);
    return this.status();
  }

  private async runGuarded(reason: SyncReason): Promise<void> {
    try {
      await this.run(reason);
    } catch (error) {
      // A closed engine's run dies on its closed database: expected, not an error.
      if (this.closed) return;
      this.syncing = false;
      this.lastError = { code: 'SYNC_FAILED', message: errorText(error) };
    }
  }

  private async run(reason: SyncReason): Promise<void> {
    // A signed-out account's database makes no request at all, whatever the trigger.
    if (this.paused === 'signed-out' && reason !== 'resume') return;
    if (!this.isOnline()) {
      // Offline is not a failure, but pending events need a wake-up once the network returns.
      await this.askToBeWokenIfPending();
      // The outbox was just counted: the count is kept unless something changed since.
      return void (await this.broadcastStatus('kept'));
    }
    if (SIGNED_OUT_PAUSES.has(this.paused) && !LIFTS_PAUSE.has(reason)) return;
    if (!this.retry.allows(reason, this.takeNetworkReturned())) return;
    this.retry.stopTimer();
    this.paused = null;
    this.syncing = true;
    await this.broadcastStatus();

    const outcome = await this.pending.changing(() => this.exchange());
    this.syncing = false;
    if (this.closed) return;
    const hadRetry = this.retry.scheduled;
    this.settle(outcome);
    if (outcome.kind === 'offline') await this.askToBeWokenIfPending();
    if (hadRetry || this.retry.scheduled) await this.storeRetry();
    await this.broadcastStatus();
  }

  /** One run's exchange with the server: push and pull in the order the state calls for. */
  private async exchange(): Promise<SyncOutcome> {
    const ctx = this.context(this.o.now() + this.o.runBudgetMs);
    let outcome: SyncOutcome;
    // Spaces: pending writes wait for a pull, which may say a scope they write into was lost
    // (they are then dropped as SCOPE_REVOKED instead of being sent; those sent before are
    // asked about first, see sync/revoked-fate.ts).
    const spacesFirst = this.o.spaces && (await this.pending.get()) > 0;
    if (this.pullFirst || spacesFirst) {
      // The last push was told to wait (or, with spaces, writes are pending): this run asks
      // for other devices' changes first, so a
      // server refusing only writes (read-only maintenance) still delivers them, and a server
      // down altogether gets one request per retry, pull and push in turn.
      const pulled = await pullChanges(ctx);
      if (pulled.kind !== 'done' || this.closed) {
        outcome = pulled;
        this.pullFirst = false;
      } else {
        outcome = await pushOutbox(ctx);
        this.pullFirst = toldToWait(outcome);
      }
    } else {
      const pushed = await pushOutbox(ctx);
      outcome = pushed;
      this.pullFirst = toldToWait(pushed);
      // A push that keeps failing must not stop pulls: pending events are rebased on pulled
      // state exactly as they are when a pull meets writes made since the last push.
      if (!this.closed && (pushed.kind === 'done' || pullsAfter(pushed))) {
        outcome = afterPull(pushed, await pullChanges(ctx));
      }
    }
    return outcome;
  }

  /** Whether the engine saw the network come back since the last run asked; asking resets it. */
  private takeNetworkReturned(): boolean {
    const returned = this.networkReturned;
    this.networkReturned = false;
    return returned;
  }

  private settle(outcome: SyncOutcome): void {
    // Signed out while this run was under way: that decision stands whatever the run met.
    if (this.paused === 'signed-out') return;
    switch (outcome.kind) {
      case 'done':
        this.retry.succeeded();
        this.lastSyncAt = new Date(this.o.now()).toISOString();
        this.lastError = null;
        if (this.initialSync) this.initialSync = { ...this.initialSync, done: true };
        return;
      case 'budget':
        // Not a failure: the next trigger (or this timer) carries on where this run stopped.
        this.retry.continueIn(this.o.backoff.baseMs);
        return;
      case 'offline':
        // The platform said offline; it will say online again. Nothing is scheduled: the
        // network's return (Background Sync, `online`, the next trigger) carries on.
        this.retry.dropped();
        return;
      case 'unauthorized':
        this.retry.dropped();
        this.paused = 'unauthorized';
        this.lastError = { code: 'UNAUTHORIZED', message: 'the server needs credentials' };
        return;
      case 'account-mismatch':
        // Another account is signed in here: this database waits for its own, untouched.
        this.paused = 'account-mismatch';
        this.retry.dropped();
        this.lastError = {
          code: 'ACCOUNT_MISMATCH',
          message: 'another account is signed in; this account syncs at its next sign-in',
        };
        return;
      case 'retryable':
        this.lastError = { code: 'SYNC_FAILED', message: outcome.message };
        // No Background Sync here: online, the browser fires it at once, which only helps
        // while offline (see askToBeWokenIfPending). The schedule's timer carries the retry.
        this.retry.failed(outcome.message, outcome.retryAfterMs);
        return;
    }
  }

  /** Keeps the scheduled retry in `meta`, so a restarted worker does not start over. */
  private async storeRetry(): Promise<void> {
    const row = this.retry.row();
    if (row) await this.db.put(STORES.meta, row, META_KEYS.retry);
    else await this.db.delete(STORES.meta, META_KEYS.retry);
  }

  /** Background Sync helps only offline with events pending: the browser fires it on return. */
  private async askToBeWokenIfPending(): Promise<void> {
    if ((await this.pending.recount()) > 0) this.o.onRetryLater();
  }

  retryState(): RetryState {
    return this.retry.state();
  }

  private context(deadline: number): SyncContext {
    const o = this.o;
    return {
      db: this.db,
      schema: this.schema,
      endpoint: o.endpoint,
      fetch: o.fetch,
      credentials: o.credentials,
      headers: () => this.requestHeaders(),
      clientId: this.clientId,
      outbox: this.outbox,
      batchSize: o.batchSize,
      pullLimit: o.pullLimit,
      spaces: o.spaces,
      isOnline: () => this.isOnline(),
      now: o.now,
      deadline,
      requestTimeoutMs: o.requestTimeoutMs,
      setTimeout: o.setTimeout,
      clearTimeout: o.clearTimeout,
      onChange: (changes) => this.broadcastChanges(changes),
      onRejected: (rejections) => this.broadcastRejections(rejections),
      onPushed: () => void this.broadcastStatus(),
      // Called only by a full pull (first sync, expired cursor, schema change).
      onPullProgress: (records, total) => {
        this.initialSync = { records, total, done: false };
        void this.broadcastStatus();
      },
      onRoles: (roles) => {
        this.roleMap = roles;
        void this.broadcastStatus();
      },
    };
  }

  // ---- status and settings ----------------------------------------------------------------

  status(): Promise<SyncStatus> {
    return this.statusWith('counted');
  }

  /**
   * `kept`: the pending count this engine keeps up with its own writes, no request; `counted`:
   * the outbox counted, which also sees what another engine on the database did to it.
   */
  private async statusWith(pending: 'kept' | 'counted'): Promise<SyncStatus> {
    const count = this.closed
      ? 0
      : await (pending === 'kept' ? this.pending.get() : this.pending.recount());
    return {
      online: this.isOnline(),
      pending: count,
      syncing: this.syncing,
      lastSyncAt: this.lastSyncAt,
      lastError: this.lastError,
      retry: this.retry.status(),
      paused: this.paused,
      initialSync: this.initialSync,
      ...(this.o.spaces ? { roles: { ...this.roleMap } } : {}),
    };
  }

  /** Spaces: the account's role in each shared scope it is a member of (scope → role). */
  async roles(): Promise<Record<string, SpaceRole>> {
    this.ensureOpen();
    return storedRoles(this.db);
  }

  /**
   * Spaces: the account's role on a local record's scope: `owner` in its personal scope (or
   * for a record the server has not placed yet), else its role in that shared scope.
   */
  async roleOf(model: string, key: KeyValue): Promise<SpaceRole> {
    this.ensureOpen();
    modelOf(this.schema, model);
    const scope = await scopeOfRecord(this.db, this.schema, model, key);
    if (scope === null) return 'owner';
    return (await storedRoles(this.db))[scope] ?? 'owner';
  }

  /**
   * A host's `setOnline(false)` wins; otherwise the platform (`navigator.onLine`) decides. Every
   * check is also an observation: offline, then online again, is a network change, the one
   * background reason to retry before a scheduled retry is due.
   */
  private isOnline(): boolean {
    const online = this.online && this.o.isOnline();
    if (!online) this.sawOffline = true;
    else if (this.sawOffline) {
      this.sawOffline = false;
      this.networkReturned = true;
    }
    return online;
  }

  setOnline(online: boolean): void {
    this.online = online;
    const returned = this.isOnline() && this.networkReturned;
    void this.broadcastStatus();
    // Only a change the engine saw retries at once; a bare "online" report waits its turn.
    if (returned) void this.sync('online');
  }

  setHeaders(headers: Record<string, string> | undefined): void {
    this.headers = headers ? { ...headers } : undefined;
    if (this.paused === 'unauthorized' || this.paused === 'account-mismatch') {
      this.paused = null;
      void this.sync('headers');
    }
  }

  /** The account the database belongs to; null for one never bound (v1). */
  get account(): string | null {
    return this.boundAccount;
  }

  /** The app's headers, then the account's: the app cannot name another account. */
  private requestHeaders(): Record<string, string> | undefined {
    if (this.boundAccount === null) return this.headers;
    // Header values are bytes: the id travels percent-encoded (UTF-8), as the protocol says.
    return { ...this.headers, [ACCOUNT_HEADER]: encodeURIComponent(this.boundAccount) };
  }

  /**
   * `account` is signed in here (a page opened the database for it): binds a database that has
   * no account yet, and resumes one paused because its account was not signed in. Throws
   * {@link AccountMismatchError} for a database bound to another account.
   */
  async resume(account: string): Promise<void> {
    this.ensureOpen();
    checkAccount(account);
    if (this.boundAccount !== null && this.boundAccount !== account) {
      throw new AccountMismatchError(this.dbName, this.boundAccount, account);
    }
    if (this.boundAccount === null || this.paused === 'signed-out') {
      const tx = this.db.transaction(STORES.meta, 'readwrite');
      if (this.boundAccount === null) await tx.store.put(account, META_KEYS.account);
      await tx.store.delete(META_KEYS.signedOut);
      await tx.done;
      this.boundAccount = account;
    }
    if (SIGNED_OUT_PAUSES.has(this.paused)) {
      this.paused = null;
      void this.sync('resume');
    }
  }

  /**
   * The account signed out on this device: no request is made for this database (across
   * restarts too) until {@link Engine.resume}; pending writes stay queued and their number is
   * returned. A run already under way finishes under the credentials it started with.
   */
  async signOut(): Promise<SignOutResult> {
    this.ensureOpen();
    await this.db.put(STORES.meta, true, META_KEYS.signedOut);
    this.paused = 'signed-out';
    // Nothing is retried for a signed-out account; its next sign-in starts afresh.
    this.retry.stopTimer();
    this.retry.dropped();
    await this.storeRetry();
    await this.broadcastStatus();
    return { pending: await this.pending.recount() };
  }

  /**
   * Closes the engine and deletes its database, pending writes included. Pages reading it
   * step aside (their connections close on `versionchange`); resolves once it is gone.
   */
  async destroy(): Promise<void> {
    // Other tabs of this account learn that it is gone as if it had signed out.
    this.paused = 'signed-out';
    await this.broadcastStatus();
    await this.close();
    await new Promise<void>((resolve, reject) => {
      const request = this.o.indexedDB.deleteDatabase(this.dbName);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.retry.stopTimer();
    this.db.close();
    this.o.onClosed();
  }

  // ---- broadcasts -------------------------------------------------------------------------

  private emit(message: BroadcastMessage): void {
    try {
      this.o.onBroadcast(message);
    } catch {
      // A host's listener failing must not fail the write or the sync that caused it.
    }
  }

  private broadcastChanges(changes: ChangedKeys): void {
    for (const [model, keys] of changes) this.emit({ type: 'change', model, keys: [...keys] });
  }

  private broadcastRejections(rejections: Rejection[]): void {
    for (const rejection of rejections) this.emit({ type: 'rejected', rejection });
  }

  private async broadcastStatus(pending: 'kept' | 'counted' = 'counted'): Promise<void> {
    if (this.closed) return;
    try {
      this.emit({ type: 'status', status: await this.statusWith(pending) });
    } catch {
      // The database closed under us (engine closed mid-run): nothing left to report.
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new EngineClosedError();
  }
}
