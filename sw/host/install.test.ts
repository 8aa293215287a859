import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';

describe('installSyncWorker outside a Service Worker', () => {
  it('loads in plain Node (nothing worker-only runs at import) and refuses to install', async () => {
    // A fresh import of the whole entry: workbox-core's index would throw `self is not defined`.
    const sw = await import('swsync/sw');
    expect(() => sw.installSyncWorker({ schema: demoSchema, endpoint: '/api/sync' })).toThrow(
      'installSyncWorker runs only in a Service Worker; elsewhere host the engine with createSyncHost',
    );
  });
});
