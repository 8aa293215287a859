import type { Sql } from 'postgres';

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

  /**
   * `makeSql` builds the listener's connection (max 1, no idle or lifetime limit, a bounded
   * connect timeout). It is called again for each restore: postgres.js 3.4.9 cannot always
   * reuse a connection whose backend died (see RecyclingPool), so a lost one is dropped.
   */
  constructor(makeSql: (hooks: ListenerHooks) => Sql) {
    this.#makeSql = makeSql;
    this.#sql = this.#connect();
  }

  /** A fresh connection whose hooks only count while it is the current one. */
  #connect(): Sql {
    const sql: Sql = this.#makeSql({
      onnotify: (channel, payload) => {
        if (this.#sql === sql) this.#deliver(channel, payload);
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
      ready = this.#sql.unsafe(`LISTEN ${quote(channel)}`).then(() => undefined);
      this.#ready.set(channel, ready);
    }
    try {
      await ready;
    } catch (error) {
      if (this.#ready.get(channel) === ready) this.#ready.delete(channel);
      // The connection died under this LISTEN: the restore, already started, listens again.
      if (!this.#restoring || this.#closed) {
        this.#unsubscribe(channel, subscription);
        throw error;
      }
    }
    return async () => {
      if (this.#unsubscribe(channel, subscription) && !this.#closed) {
        await this.#sql.unsafe(`UNLISTEN ${quote(channel)}`).catch(() => undefined);
      }
    };
  }

  /** Stops listening for good and closes the connection. */
  async end(): Promise<void> {
    this.#closed = true;
    await this.#sql.end({ timeout: 0 });
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
