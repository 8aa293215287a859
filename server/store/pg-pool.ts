import type { Sql } from 'postgres';
import { StoreTimeoutError } from './errors.ts';

/**
 * Error codes meaning the connection a statement ran on died under it (postgres.js's own, the
 * socket's, and PostgreSQL's 57P01-03 admin/crash shutdown and class 08). Connection refused is
 * not among them: a connection that never opened holds no state to poison.
 */
const LOST_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
]);

/** True when `error` says the connection under a statement was lost. */
export function isConnectionLoss(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (LOST_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code));
}

export interface RecyclingPoolOptions {
  /** Builds a fresh postgres.js pool (no connection opens before its first statement). */
  makeSql(): Sql;
  /** Longest a unit of work may take before it fails with {@link StoreTimeoutError}; ms. */
  deadlineMs: number;
  /** How long a replaced pool lets its running statements finish before it cuts them; s. */
  retireGraceSeconds: number;
}

/**
 * A postgres.js pool that is replaced as a whole once one of its connections is lost under a
 * statement, or a unit of work outlives its deadline.
 *
 * Why: in postgres.js 3.4.9 a connection whose backend dies while a write is buffered (a
 * statement just queued, the ROLLBACK `sql.begin` sends after the failure, the Sync after an
 * error) keeps that stale buffer and timer: on every later reconnect its startup message is
 * buffered behind them and never sent, so each statement routed to it waits for
 * `connect_timeout` and fails, for good. One killed transaction per connection was enough to
 * leave a pool that never answers again. The library offers no way to drop a single
 * connection, so the pool goes: new work starts on a fresh pool at once, and the old one ends
 * after a grace period (its healthy connections finish what they run, the rest is cut and
 * rejected with CONNECTION_DESTROYED).
 */
export class RecyclingPool {
  readonly #options: RecyclingPoolOptions;
  #current: Sql;
  readonly #retiring = new Set<Promise<void>>();

  constructor(options: RecyclingPoolOptions) {
    this.#options = options;
    this.#current = options.makeSql();
  }

  /**
   * Runs `work` on the current pool within `deadlineMs` (null: no deadline, for migrations).
   * A lost connection or a missed deadline retires that pool; the error is rethrown
   * (a missed deadline as {@link StoreTimeoutError}).
   */
  async run<T>(
    work: (sql: Sql) => Promise<T>,
    deadlineMs: number | null = this.#options.deadlineMs,
  ): Promise<T> {
    const sql = this.#current;
    let timer: NodeJS.Timeout | undefined;
    try {
      const running = work(sql);
      if (deadlineMs === null) return await running;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StoreTimeoutError(deadlineMs)), deadlineMs);
      });
      return await Promise.race([running, late]);
    } catch (error) {
      if (error instanceof StoreTimeoutError || isConnectionLoss(error)) this.#retire(sql);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the current pool (within `timeoutSeconds`) and waits for those being retired. */
  async end(timeoutSeconds: number): Promise<void> {
    await Promise.all([this.#current.end({ timeout: timeoutSeconds }), ...this.#retiring]);
  }

  #retire(sql: Sql): void {
    // Only the pool in use is replaced: statements of an already retired pool fail in turn.
    if (sql !== this.#current) return;
    this.#current = this.#options.makeSql();
    const ending: Promise<void> = sql
      .end({ timeout: this.#options.retireGraceSeconds })
      .catch(() => undefined)
      .finally(() => this.#retiring.delete(ending));
    this.#retiring.add(ending);
  }
}
