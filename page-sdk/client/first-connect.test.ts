import 'fake-indexeddb/auto';
import type { WorkerRpc } from 'swsync/schema';
import { expect, it } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { pageEngine } from '../fallback/engine-rpc.ts';
import { createClient } from './create-client.ts';

const offline: typeof fetch = async () => {
  throw new TypeError('Failed to fetch');
};

it('a first handshake that outlasts every attempt is tried again until the status is connected', async () => {
  let hellos = 0;
  const client = createClient({
    schema: demoSchema,
    endpoint: 'http://sync.test/api/sync',
    dbName: `first-connect-${Date.now()}`,
    realtime: false,
    timeoutMs: 200,
    attempts: 2,
    fallback: async () => {
      Object.assign(globalThis, { self: globalThis });
      const { createEngine } = await import('swsync/sw');
      const engine = await pageEngine({
        schema: demoSchema,
        endpoint: 'http://sync.test/api/sync',
        createEngine: (options) => createEngine({ ...options, fetch: offline }),
        intervalMs: 60_000,
      });
      // Like a worker still installing: the first two hellos are answered too late.
      return new Proxy(engine, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver) as unknown;
          if (key !== 'hello' || typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            const answer = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            return ++hellos <= 2 ? new Promise((r) => setTimeout(() => r(answer), 500)) : answer;
          };
        },
      }) as WorkerRpc;
    },
  });
  try {
    await expect
      .poll(() => client.status.getSnapshot()?.connected, { timeout: 10_000, interval: 50 })
      .toBe(true);
    expect(hellos).toBeGreaterThanOrEqual(3);
  } finally {
    client.close();
  }
});
