import type { BrowserContext, CDPSession, Page } from '@playwright/test';

type RunningStatus = 'stopped' | 'starting' | 'running' | 'stopping';

/**
 * Service Worker control through the DevTools protocol. It needs a page session: a browser
 * session fails. Under DevTools the worker never idles out, so tests stop it explicitly.
 */
export class WorkerControl {
  private status = new Map<string, RunningStatus>();
  /** Versions reported stopped since the last `stopAll` began. */
  private stoppedSince = new Set<string>();
  private registrationId: string | undefined;

  private constructor(private readonly session: CDPSession) {
    session.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      for (const v of versions) {
        this.status.set(v.versionId, v.runningStatus as RunningStatus);
        if (v.runningStatus === 'stopped') this.stoppedSince.add(v.versionId);
        this.registrationId = v.registrationId;
      }
    });
  }

  static async attach(context: BrowserContext, page: Page): Promise<WorkerControl> {
    const control = new WorkerControl(await context.newCDPSession(page));
    await control.session.send('ServiceWorker.enable');
    return control;
  }

  /**
   * Stops every worker and waits until DevTools reported each running one stopped. It waits
   * for the report, not for the state: a page's next call (a realtime poke, say) may start the
   * worker again before a poll would see it stopped.
   */
  async stopAll(): Promise<void> {
    // Debian's Chromium 156 dies now and then (SIGTRAP) under load when a worker is stopped
    // while still starting, or woken the moment it stopped: stop only settled workers, and
    // give the stop a moment before the test wakes it again.
    await this.waitFor(() => ![...this.status.values()].some((s) => s === 'starting'));
    const running = [...this.status].filter(([, s]) => s !== 'stopped').map(([id]) => id);
    this.stoppedSince.clear();
    await this.session.send('ServiceWorker.stopAllWorkers');
    await this.waitFor(() => running.every((id) => this.stoppedSince.has(id)));
    await new Promise((r) => setTimeout(r, 100));
  }

  isRunning(): boolean {
    return [...this.status.values()].some((s) => s === 'running');
  }

  async dispatchSync(origin: string, tag: string, lastChance = false): Promise<void> {
    if (!this.registrationId) throw new Error('no Service Worker registration seen yet');
    await this.session.send('ServiceWorker.dispatchSyncEvent', {
      origin,
      registrationId: this.registrationId,
      tag,
      lastChance,
    });
  }

  private async waitFor(done: () => boolean, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error('Service Worker did not reach the state');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
