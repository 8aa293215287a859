import type { ScheduledRetry } from 'swsync/schema';
import type { RetryRow } from '../store/layout.ts';
import { nextRetryDelay } from '../sync/backoff.ts';
import type { ResolvedEngineOptions, TimerId } from './options.ts';
import type { RetryState, SyncReason } from './types.ts';

/**
 * Reasons that may run while a retry is scheduled: the user asked (`syncNow`), or it is the
 * scheduled retry itself. Everything else (writes, pokes, timers, start-up, `online` reports,
 * Background Sync events, new headers) waits for it.
 */
export const RUNS_DURING_BACKOFF: ReadonlySet<SyncReason> = new Set(['manual', 'page', 'retry']);

type Clock = Pick<
  ResolvedEngineOptions,
  'now' | 'setTimeout' | 'clearTimeout' | 'backoff' | 'random'
>;

/**
 * An engine's retry schedule: how many syncs failed in a row, when the next try is due and why,
 * and the one timer that runs it (`onDue`, with the reason `'retry'`). Plain state over an
 * injected clock; the engine persists {@link RetrySchedule.row} so a restarted worker resumes it.
 *
 * @example
 * const schedule = new RetrySchedule(options, () => void engine.sync('retry'));
 * schedule.failed('HTTP 503: unavailable'); // attempt 1, due within 1 s
 * schedule.allows('poke', false); // false until it is due
 */
export class RetrySchedule {
  /** Consecutive retryable failures; offline runs never count. */
  private attempt = 0;
  /** The scheduled retry (epoch ms) and the failure it follows; kept while the retry runs. */
  private due: { at: number; reason: string } | null = null;
  private timer: TimerId | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: () => void,
  ) {}

  /**
   * The gate every trigger goes through: while a retry is scheduled, only the retry itself,
   * the user's `syncNow()` (`manual`, `page`) or a network change the engine saw (offline,
   * then online) may reach the server. A Background Sync event, an `online` report without a
   * change, a poke, a write, the timer, start-up and new headers all wait: each of them
   * skipping the backoff made a retry storm.
   */
  allows(reason: SyncReason, networkReturned: boolean): boolean {
    if (this.due === null || this.clock.now() >= this.due.at) return true;
    return RUNS_DURING_BACKOFF.has(reason) || networkReturned;
  }

  /** A sync failed for a reason worth retrying: the next try, jittered and capped. */
  failed(reason: string, retryAfterMs?: number): void {
    this.attempt += 1;
    const { backoff, random } = this.clock;
    const delay = nextRetryDelay(this.attempt, backoff, random, retryAfterMs);
    this.due = { at: this.clock.now() + delay, reason };
    this.startTimer(delay);
  }

  /** A sync succeeded: the schedule starts over. */
  succeeded(): void {
    this.attempt = 0;
    this.due = null;
  }

  /**
   * Nothing to retry on a timer (offline: the network's return carries on; a pause waits for
   * the user), though the failures so far still count for the next delay.
   */
  dropped(): void {
    this.due = null;
  }

  /** A run out of time (not a failure) goes on after `delay` ms. */
  continueIn(delay: number): void {
    this.due = null;
    this.startTimer(delay);
  }

  /** A worker stopped mid-backoff: the new engine waits for the same retry, at most the cap. */
  resume(row: RetryRow): void {
    const delay = Math.min(Math.max(0, row.at - this.clock.now()), this.clock.backoff.capMs);
    this.attempt = row.attempt;
    this.due = { at: this.clock.now() + delay, reason: row.reason };
    this.startTimer(delay);
  }

  /** A run starts: its own outcome decides what comes next. */
  stopTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  get scheduled(): boolean {
    return this.due !== null;
  }

  /** What `meta[retry]` holds, or null when nothing is scheduled. */
  row(): RetryRow | null {
    return this.due && { ...this.due, attempt: this.attempt };
  }

  /** What `SyncStatus.retry` says. */
  status(): ScheduledRetry | null {
    if (!this.due) return null;
    const at = new Date(this.due.at).toISOString();
    return { at, attempt: this.attempt, reason: this.due.reason };
  }

  state(): RetryState {
    return { attempt: this.attempt, at: this.due?.at ?? null };
  }

  private startTimer(delay: number): void {
    this.stopTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.onDue();
    }, delay);
  }
}
