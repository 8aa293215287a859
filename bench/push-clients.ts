import { isMainThread, parentPort, Worker } from 'node:worker_threads';

/** One client's pushes: the scope it pushes as, and the bodies of its batches in order. */
export interface PushClient {
  scope: string;
  bodies: object[];
}

interface Run {
  url: string;
  clients: PushClient[];
}

/**
 * The push benchmarks' HTTP clients, on a thread of their own: in life the clients are other
 * machines, so their CPU (building and sending bodies, reading answers) must not come out of
 * the server's thread, which is what the push rows measure. Each run posts every client's
 * bodies in order, the clients concurrently, and resolves with the seconds from the first
 * request to the last answer; it rejects on any failed request, rejected event or missing answer.
 *
 * @example
 * const clients = startPushClients();
 * const seconds = await clients.run(`${base}/api/sync/push`, [{ scope, bodies }]);
 * await clients.close();
 */
export function startPushClients(): {
  run(url: string, clients: PushClient[]): Promise<number>;
  close(): Promise<void>;
} {
  // Node 20 does not run `--import tsx` before a worker's entry: the entry registers tsx itself.
  const entry = JSON.stringify(import.meta.url);
  const worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}); })`,
    { eval: true },
  );
  return {
    run: (url, clients) =>
      new Promise((resolve, reject) => {
        const done = (message: { seconds: number } | { error: string }) => {
          worker.off('error', reject);
          if ('error' in message) reject(new Error(message.error));
          else resolve(message.seconds);
        };
        worker.once('message', done);
        worker.once('error', reject);
        worker.postMessage({ url, clients } satisfies Run);
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}

async function push({ url, clients }: Run): Promise<number> {
  const started = performance.now();
  await Promise.all(
    clients.map(async ({ scope, bodies }) => {
      for (const body of bodies) {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-bench-user': scope },
          body: JSON.stringify(body),
        });
        const results = (await response.json()) as { id: string; error: unknown }[];
        if (!response.ok || results.some((r) => r.error !== null)) {
          throw new Error(`bench push to ${url} failed: ${response.status}`);
        }
        // One answer per event, in order: an empty or short answer would pass the check above.
        // The rows themselves are counted on the server after the run (push-http.ts).
        const { events } = body as { events: { id: string }[] };
        if (results.length !== events.length || results.some((r, i) => r.id !== events[i]!.id)) {
          throw new Error(
            `bench push to ${url}: ${results.length} answers for ${events.length} events, or not theirs`,
          );
        }
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', (run: Run) => {
    push(run).then(
      (seconds) => port.postMessage({ seconds }),
      (error: unknown) => port.postMessage({ error: String(error) }),
    );
  });
}
