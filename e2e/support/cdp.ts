import type { BrowserContext, CDPSession, Page } from '@playwright/test';

type RunningStatus = 'stopped' | 'starting' | 'running' | 'stopping';

/**
 * Service Worker control through the DevTools protocol. It needs a page session: a browser
 * session fails. Under DevTools the worker never idles out, so tests stop it explicitly.
 */
export class WorkerControl {
  private status = new Map<string, RunningStatus>();
  private registrationId: string | undefined;

  private constructor(private readonly session: CDPSession) {
    session.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      for (const v of versions) {
        this.status.set(v.versionId, v.runningStatus as RunningStatus);
        this.registrationId = v.registrationId;
      }
    });
  }

  static async attach(context: BrowserContext, page: Page): Promise<WorkerControl> {
    const control = new WorkerControl(await context.newCDPSession(page));
    await control.session.send('ServiceWorker.enable');
    return control;
  }

  /** Stops every worker and waits until DevTools reports them stopped. */
  async stopAll(): Promise<void> {
    await this.session.send('ServiceWorker.stopAllWorkers');
    await this.waitFor((statuses) => statuses.every((s) => s === 'stopped'));
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

  private async waitFor(done: (statuses: RunningStatus[]) => boolean, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    while (!done([...this.status.values()])) {
      if (Date.now() > deadline) throw new Error('Service Worker did not reach the state');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
