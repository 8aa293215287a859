import type { WorkerRpc } from 'swsync/schema';
import type { SyncHostOptions } from 'swsync/sw';

export interface PageEngineOptions extends SyncHostOptions {
  /** Sync period while the leader tab is open (default 30 s). */
  intervalMs?: number;
}

/**
 * The in-page engine host for browsers without Service Workers: the same host the worker runs
 * (`createSyncHost` from `swsync/sw`, loaded only when the fallback is needed), with the
 * triggers a page can offer: start-up and a timer (writes and pokes arrive as calls).
 *
 * @example
 * const client = createClient({ schema, endpoint, fallback: () => pageEngine({ schema, endpoint }) });
 */
export async function pageEngine(options: PageEngineOptions): Promise<WorkerRpc> {
  const { createSyncHost, timerDelay } = await import('swsync/sw');
  const host = createSyncHost(options);
  void host.syncAll('startup');
  setInterval(() => void host.syncAll('timer'), timerDelay(options.intervalMs ?? 30_000));
  return host.rpc;
}
