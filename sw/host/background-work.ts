/**
 * Work the worker does after answering a page (a debounced sync, a poke). The browser may stop
 * an idle worker mid-task, so every event the host handles extends its life with
 * `waitUntil(work.settled())` until such work is done.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<unknown>>();

  run<T>(task: () => Promise<T>): Promise<T> {
    const promise = task();
    const tracked = promise.catch(() => undefined).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    return promise;
  }

  /** Resolves when no task is running, including tasks started later in this event's turn. */
  async settled(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
