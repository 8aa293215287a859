/**
 * The drain baseline's worker: `workbox-background-sync`'s Queue as its documentation sets it up.
 * Each mutation is one request to the push route; the Queue stores them in IndexedDB while
 * offline and replays them, one at a time and in order, when Background Sync fires.
 */
import { Queue } from 'workbox-background-sync';

interface ExtendableMessage extends MessageEvent<{ bodies: string[] }> {
  waitUntil(promise: Promise<unknown>): void;
}
// The project compiles against the DOM library, which has no ServiceWorkerGlobalScope.
const worker = globalThis as unknown as EventTarget & {
  clients: {
    matchAll(options: {
      includeUncontrolled: boolean;
    }): Promise<{ postMessage(message: unknown): void }[]>;
  };
};

const queue = new Queue('bench-drain', {
  onSync: async ({ queue }) => {
    await queue.replayRequests();
    for (const client of await worker.clients.matchAll({ includeUncontrolled: true }))
      client.postMessage({ drained: true });
  },
});

worker.addEventListener('message', (event) => {
  const message = event as ExtendableMessage;
  message.waitUntil(
    (async () => {
      for (const body of message.data.bodies) {
        const request = new Request('/api/sync/push', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await queue.pushRequest({ request });
      }
      (message.source as { postMessage(m: unknown): void } | null)?.postMessage({
        queued: message.data.bodies.length,
      });
    })(),
  );
});
