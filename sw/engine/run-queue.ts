/**
 * One run at a time. A trigger during a run is folded into at most one follow-up run, which
 * starts when the current one ends and so sees every write committed before it starts. The
 * follow-up takes the most urgent reason folded into it (`isUrgent`), else the first one: a
 * background trigger never turns into an urgent run that would skip a backoff.
 *
 * @example
 * const queue = new RunQueue((reason) => syncOnce(reason), (r) => r === 'manual');
 * await Promise.all([queue.trigger('write'), queue.trigger('timer')]); // one run + one follow-up
 */
export class RunQueue<Reason> {
  private current: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private nextReason: Reason | null = null;

  constructor(
    private readonly runOnce: (reason: Reason) => Promise<void>,
    private readonly isUrgent: (reason: Reason) => boolean,
  ) {}

  /** Resolves when a run that started after this call (or the running one, if first) ends. */
  trigger(reason: Reason): Promise<void> {
    if (this.current === null) {
      this.current = this.start(reason);
      return this.current;
    }
    if (this.nextReason === null || this.isUrgent(reason)) this.nextReason = reason;
    this.next ??= this.current.then(() => {
      this.next = null;
      const reason = this.nextReason!;
      this.nextReason = null;
      this.current ??= this.start(reason);
      return this.current;
    });
    return this.next;
  }

  private start(reason: Reason): Promise<void> {
    // runOnce never rejects (the engine records failures in its status); the guard keeps the
    // queue alive if it ever did.
    const run: Promise<void> = this.runOnce(reason)
      .catch(() => undefined)
      .finally(() => {
        if (this.current === run) this.current = null;
      });
    return run;
  }
}
