import type { BrowserContext } from '@playwright/test';

/** DevTools on a context's Service Worker: heap and CPU profile, which Playwright does not give. */
export interface WorkerDevTools {
  /** V8 heap in use, bytes; after a full GC when `gc` is set. */
  heapUsed(gc?: boolean): Promise<number>;
  startProfile(): Promise<void>;
  /** The CPU profile since `startProfile`, as a `.cpuprofile` object. */
  stopProfile(): Promise<unknown>;
  detach(): Promise<void>;
}

/**
 * Attaches to the first Service Worker of `context` once it runs (waits up to `timeoutMs`),
 * through a browser-level DevTools session: a page session cannot reach the worker's heap.
 *
 * @example
 * const devtools = await attachServiceWorker(context);
 * console.log(await devtools.heapUsed(true));
 */
export async function attachServiceWorker(
  context: BrowserContext,
  timeoutMs = 30_000,
): Promise<WorkerDevTools> {
  const browser = context.browser();
  if (!browser) throw new Error('attachServiceWorker needs a context of a launched browser');
  const cdp = await browser.newBrowserCDPSession();
  const deadline = Date.now() + timeoutMs;
  let targetId: string | undefined;
  while (!targetId) {
    const { targetInfos } = await cdp.send('Target.getTargets');
    targetId = targetInfos.find((t) => t.type === 'service_worker')?.targetId;
    if (targetId) break;
    if (Date.now() > deadline) throw new Error('no Service Worker started');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Not flattened: Playwright's session cannot address a child session, but it can relay
  // messages to one.
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: false });
  const waiting = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message) as { id?: number; result?: unknown; error?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message);
  });
  let nextId = 0;
  const send = async <T>(method: string, params: object = {}): Promise<T> => {
    const id = ++nextId;
    const answer = new Promise<{ result?: unknown; error?: unknown }>((resolve) =>
      waiting.set(id, resolve),
    );
    await cdp.send('Target.sendMessageToTarget', {
      sessionId,
      message: JSON.stringify({ id, method, params }),
    });
    const message = await answer;
    waiting.delete(id);
    if (message.error) throw new Error(`${method}: ${JSON.stringify(message.error)}`);
    return message.result as T;
  };
  return {
    async heapUsed(gc = false) {
      if (gc) await send('HeapProfiler.collectGarbage');
      return (await send<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize;
    },
    async startProfile() {
      await send('Profiler.enable');
      await send('Profiler.start');
    },
    async stopProfile() {
      return (await send<{ profile: unknown }>('Profiler.stop')).profile;
    },
    async detach() {
      await cdp.detach();
    },
  };
}
