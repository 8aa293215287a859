/**
 * The outbox's length, kept in memory between counts so that the status a write broadcasts
 * does not cost an IndexedDB `count` per write. Writes add their events to a known count;
 * anything else that changes the outbox (a sync run: push results, rebases, dropped scopes)
 * runs inside {@link PendingCount.changing}, and the count is taken again after it.
 *
 * A count read while something changed the outbox is returned but not kept: the next read
 * counts again. So the figure is never older than the last change the engine knows of; what
 * another engine on the same database changed shows at the next {@link PendingCount.recount}
 * (the engine recounts for every status but the one each write broadcasts).
 *
 * @example
 * const pending = new PendingCount(() => db.count('outbox'));
 * await pending.get(); // counts: 3
 * pending.added(1); // a write committed one event
 * await pending.get(); // 4, no request
 * await pending.changing(() => pushOutbox(ctx)); // forgets; the next get() counts
 */
export class PendingCount {
  private known: number | null = null;
  /** Bumped by every change: a count that was in flight across one is not kept. */
  private epoch = 0;
  /** Changes under way (sync runs): while any is, every read counts. */
  private changes = 0;

  constructor(private readonly count: () => Promise<number>) {}

  /**
   * The number of events in the outbox as this engine knows it: counted only when unknown.
   * Another engine on the same database is not seen until the next {@link recount}.
   * Rejects as the count does (closed database).
   */
  async get(): Promise<number> {
    return this.known ?? this.recount();
  }

  /** The outbox counted now, kept for {@link get} unless something changed meanwhile. */
  async recount(): Promise<number> {
    const epoch = this.epoch;
    const counted = await this.count();
    if (epoch === this.epoch && this.changes === 0) this.known = counted;
    return counted;
  }

  /** A write committed `events` outbox events (call right after its transaction completed). */
  added(events: number): void {
    this.epoch++;
    if (this.known !== null) this.known += events;
  }

  /** Runs `work`, which changes the outbox in ways only a new count can tell. */
  async changing<T>(work: () => Promise<T>): Promise<T> {
    this.forget();
    this.changes++;
    try {
      return await work();
    } finally {
      this.changes--;
      this.forget();
    }
  }

  private forget(): void {
    this.known = null;
    this.epoch++;
  }
}
