import { randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import { StoreTimeoutError } from './errors.ts';

/** Hooks the listener's own postgres.js instance must be created with. */
export interface ListenerHooks {
  onnotify(channel: string, payload: string): void;
  onclose(): void;
}

interface Subscription {
  onNotify(payload: string): void;
  onRestored?: (() => void) | undefined;
}

/** First and longest pause between attempts to LISTEN again while the database is down. */
const RETRY_BASE_MS = 50;
const RETRY_MAX_MS = 2_000;
/** Longest one attempt to LISTEN again may take before its connection is replaced. */
const RESTORE_TIMEOUT_MS = 5_000;

const quote = (channel: string) => `"${channel.replace(/"/g, '""')}"`;

/** Tuning of {@link PgListener}; every field is optional. */
export interface PgListenerOptions {
  /**
   * Longest a subscriber's LISTEN or UNLISTEN may take, ms. Past it a `listen` fails with
   * `StoreTimeoutError` (a 503) and the connection is replaced, so the next one is answered.
   * Default 10 000 (under the store's default 15 s request deadline).
   */
  statementTimeoutMs?: number;
  /** How often the connection's liveness is checked while anything is listened to, ms. Default 30 000. */
  livenessIntervalMs?: number;
  /** Longest a liveness NOTIFY may take to come back on the LISTEN connection, ms. Default 10 000. */
  livenessTimeoutMs?: number;
  /**
   * Sends a NOTIFY over another connection than the listening one (the store's pool). Default:
   * a connection of the listener's own, built with `makeSql` and replaced when a check fails.
   */
  notify?: (channel: string, payload: string) => Promise<unknown>;
}

/** Rejects with `StoreTimeoutError` when `work` outlives `ms`. */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StoreTimeoutError(ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * LISTEN on PostgreSQL over one dedicated connection that this module owns, because
 * postgres.js's own `sql.listen` re-listens after a lost connection on its own schedule, tells
 * nobody, and can leave every later `listen` waiting on (or failing with) that attempt.
 *
 * When the connection dies (a restart, `pg_terminate_backend`, a network cut) every channel is
 * listened to again at once, retried with a short capped backoff while the database is down,
 * and then each subscription's `onRestored` runs: NOTIFYs sent in the gap are lost for good, so
 * subscribers must catch up by other means (the poke hub pokes every client once). A `listen`
 * made while that restore is under way resolves at once; the restore covers it.
 *
 * A connection can also stall without closing (a vanished host or a failover: packets dropped,
 * no RST), which TCP keepalive would notice only after minutes. So while anything is listened
 * to, a NOTIFY on a private channel is sent every `livenessIntervalMs` over another connection
 * and must come back within `livenessTimeoutMs`, else the connection is dropped and restored as
 * above; and a subscriber's LISTEN/UNLISTEN that outlives `statementTimeoutMs` fails with
 * `StoreTimeoutError` and replaces the connection too.
 *
 * @example
 * const listener = new PgListener((hooks) => postgres(url, { max: 1, ...hooks }));
 * const unlisten = await listener.listen('swsync_poke', (payload) => console.log(payload));
 */
export class PgListener {
  readonly #makeSql: (hooks: ListenerHooks) => Sql;
  #sql: Sql;
  readonly #channels = new Map<string, Set<Subscription>>();
  /** The first LISTEN of each channel, which later subscribers of that channel wait for. */
  readonly #ready = new Map<string, Promise<void>>();
  #restoring = false;
  #lostAgain = false;
  #closed = false;
  readonly #statementTimeoutMs: number;
  readonly #livenessTimeoutMs: number;
  readonly #notify: (channel: string, payload: string) => Promise<unknown>;
  /** Private channel of the liveness NOTIFYs (unique per listener, so per process). */
  readonly #probeChannel = `swsync_alive_${randomBytes(8).toString('hex')}`;
  /** The connection that already LISTENs on the probe channel. */
  #probeListening: Sql | undefined;
  /** The check in flight: its token, and what to call when that token comes back. */
  #probeWaiter: { token: string; arrived: () => void } | undefined;
  #probing = false;
  /** The default `notify`'s connection, built on first use. */
  #notifySql: Sql | undefined;
  readonly #livenessTimer: NodeJS.Timeout;

  /**
   * `makeSql` builds the listener's connection (max 1, no idle or lifetime limit, a bounded
   * connect timeout). It is called again for each restore: postgres.js 3.4.9 cannot always
   * reuse a connection whose backend died (see RecyclingPool), so a lost one is dropped.
   */
  constructor(makeSql: (hooks: ListenerHooks) => Sql, options: PgListenerOptions = {}) {
    this.#makeSql = makeSql;
    this.#statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
    this.#livenessTimeoutMs = options.livenessTimeoutMs ?? 10_000;
    this.#notify = options.notify ?? ((channel, payload) => this.#notifyOwn(channel, payload));
    this.#sql = this.#connect();
    this.#livenessTimer = setInterval(
      () => void this.#probe(),
      options.livenessIntervalMs ?? 30_000,
    );
    // Node and Bun: the check never keeps a process alive; workerd's timers have no unref.
    (this.#livenessTimer as { unref?: () => void }).unref?.();
  }

  /** A fresh connection whose hooks only count while it is the current one. */
  #connect(): Sql {
    const sql: Sql = this.#makeSql({
      onnotify: (channel, payload) => {
        if (this.#sql !== sql) return;
        if (channel !== this.#probeChannel) this.#deliver(channel, payload);
        else if (this.#probeWaiter?.token === payload) this.#probeWaiter.arrived();
      },
      onclose: () => {
        if (this.#sql === sql) this.#lost();
      },
    });
    return sql;
  }

  /** Drops the current connection for a fresh one (the old one is cut at once). */
  #replace(): void {
    const old = this.#sql;
    this.#sql = this.#connect();
    void old.end({ timeout: 0 }).catch(() => undefined);
  }

  /** LISTEN on `channel`; resolves once listening (or once a restore that covers it runs). */
  async listen(
    channel: string,
    onNotify: (payload: string) => void,
    onRestored?: () => void,
  ): Promise<() => Promise<void>> {
    const subscription: Subscription = { onNotify, onRestored };
    let subscriptions = this.#channels.get(channel);
    if (!subscriptions) {
      subscriptions = new Set();
      this.#channels.set(channel, subscriptions);
    }
    subscriptions.add(subscription);
    let ready = this.#ready.get(channel);
    if (!ready) {
      ready = this.#bounded(this.#sql, `LISTEN ${quote(channel)}`);
      this.#ready.set(channel, ready);
    }
    try {
      await ready;
    } catch (error) {
      if (this.#ready.get(channel) === ready) this.#ready.delete(channel);
      // The connection died under this LISTEN: the restore, already started, listens again.
      // Not so after a missed deadline: the restore may wait long on a partitioned database.
      if (!this.#restoring || this.#closed || error instanceof StoreTimeoutError) {
        this.#unsubscribe(channel, subscription);
        throw error;
      }
    }
    return async () => {
      if (this.#unsubscribe(channel, subscription) && !this.#closed) {
        await this.#bounded(this.#sql, `UNLISTEN ${quote(channel)}`).catch(() => undefined);
      }
    };
  }

  /** Stops listening for good and closes the connections. */
  async end(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#livenessTimer);
    this.#probeWaiter = undefined;
    await Promise.all([
      this.#sql.end({ timeout: 0 }),
      this.#notifySql?.end({ timeout: 0 }).catch(() => undefined),
    ]);
  }

  /**
   * Runs `statement` on `sql` within `statementTimeoutMs`; a connection that misses it is
   * treated as lost (dropped and restored) so that later statements do not queue behind it.
   */
  async #bounded(sql: Sql, statement: string): Promise<void> {
    try {
      await withDeadline(sql.unsafe(statement), this.#statementTimeoutMs);
    } catch (error) {
      if (error instanceof StoreTimeoutError && this.#sql === sql) this.#lost();
      throw error;
    }
  }

  /** The default `notify`: over a connection of the listener's own, not the listening one. */
  async #notifyOwn(channel: string, payload: string): Promise<void> {
    // A check still in flight at end() must not open a connection nobody would close.
    if (this.#closed) return;
    this.#notifySql ??= this.#makeSql({ onnotify: () => {}, onclose: () => {} });
    await this.#notifySql.unsafe('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /**
   * One liveness check: a NOTIFY on the private channel must come back on the listening
   * connection in time, else that connection is dropped and restored (gap pokes included).
   */
  async #probe(): Promise<void> {
    if (this.#probing || this.#closed || this.#restoring || this.#channels.size === 0) return;
    this.#probing = true;
    const sql = this.#sql;
    const token = randomBytes(8).toString('hex');
    let arrived = () => {};
    const back = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    this.#probeWaiter = { token, arrived };
    try {
      await withDeadline(
        (async () => {
          if (this.#probeListening !== sql) {
            await sql.unsafe(`LISTEN ${quote(this.#probeChannel)}`);
            this.#probeListening = sql;
          }
          await this.#notify(this.#probeChannel, token);
          await back;
        })(),
        this.#livenessTimeoutMs,
      );
    } catch {
      // Whichever side failed, its connection is suspect: the NOTIFY's is rebuilt on next use.
      const notifySql = this.#notifySql;
      this.#notifySql = undefined;
      void notifySql?.end({ timeout: 0 }).catch(() => undefined);
      if (this.#sql === sql && !this.#closed) this.#lost();
    } finally {
      this.#probeWaiter = undefined;
      this.#probing = false;
    }
  }

  /** Removes a subscription; true when it was the channel's last. */
  #unsubscribe(channel: string, subscription: Subscription): boolean {
    const subscriptions = this.#channels.get(channel);
    if (!subscriptions?.delete(subscription) || subscriptions.size > 0) return false;
    this.#channels.delete(channel);
    this.#ready.delete(channel);
    return true;
  }

  #deliver(channel: string, payload: string): void {
    for (const subscription of [...(this.#channels.get(channel) ?? [])]) {
      try {
        subscription.onNotify(payload);
      } catch {
        // One failing subscriber must not starve the others.
      }
    }
  }

  #lost(): void {
    if (this.#closed) return;
    if (this.#restoring) {
      this.#lostAgain = true;
      return;
    }
    this.#restoring = true;
    void this.#restore();
  }

  async #restore(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      this.#lostAgain = false;
      this.#replace();
      const sql = this.#sql;
      const channels = [...this.#channels.keys()];
      let timer: NodeJS.Timeout | undefined;
      try {
        // One statement per channel: the connection opens on the first. Bounded, so that a
        // connection that stops answering is replaced rather than waited for.
        const listening = (async () => {
          for (const channel of channels) await sql.unsafe(`LISTEN ${quote(channel)}`);
        })();
        await Promise.race([
          listening,
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('LISTEN timed out')), RESTORE_TIMEOUT_MS);
          }),
        ]);
        // Lost again while listening: the LISTENs may have gone to the dead connection.
        if (this.#lostAgain) continue;
        break;
      } catch {
        const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempt, 10));
        await new Promise((resolve) => setTimeout(resolve, delay));
      } finally {
        clearTimeout(timer);
      }
    }
    this.#restoring = false;
    if (this.#closed) return;
    for (const channel of [...this.#channels.keys()]) {
      this.#ready.set(channel, Promise.resolve());
      for (const subscription of [...(this.#channels.get(channel) ?? [])]) {
        try {
          subscription.onRestored?.();
        } catch {
          // As in #deliver.
        }
      }
    }
  }
}
