import { PAGE_PROTOCOL_VERSION, type SyncStatus } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { StatusHolder } from './status.ts';

const hello = (protocolVersion: number) => ({
  protocolVersion,
  dbName: 'd',
  schemaHash: 'h',
  clientId: 'c',
});
const synced: SyncStatus = {
  online: true,
  pending: 2,
  syncing: false,
  lastSyncAt: null,
  lastError: null,
  retry: null,
  paused: null,
  initialSync: null,
};

describe('StatusHolder', () => {
  it('follows the documented mismatch policy and lifts it after a matching handshake', () => {
    const holder = new StatusHolder();
    const seen: (string | null)[] = [];
    holder.source.subscribe((s) => seen.push(s.protocol.action));

    holder.handshake(hello(PAGE_PROTOCOL_VERSION + 1));
    expect(holder.current).toMatchObject({ connected: true, paused: 'version-mismatch' });
    expect(holder.current.protocol.action).toBe('reload');
    // The engine's own status does not know about the page: the pause stays visible.
    holder.sync(synced);
    expect(holder.current).toMatchObject({ paused: 'version-mismatch', pending: 2 });

    holder.handshake(hello(PAGE_PROTOCOL_VERSION - 1));
    expect(holder.current.protocol.action).toBe('update-worker');

    holder.handshake(hello(PAGE_PROTOCOL_VERSION));
    expect(holder.current).toMatchObject({ paused: null, protocol: { action: null } });
    expect(seen).toEqual([null, 'reload', 'reload', 'update-worker', null]);
  });

  it("shows the browser's offline at once, and does not let the engine's status undo it", () => {
    const holder = new StatusHolder();
    holder.browserOnline(false);
    expect(holder.current.online).toBe(false);
    holder.browserOnline(true);
    holder.sync({ ...synced, online: false });
    expect(holder.current.online).toBe(false);
  });

  it('records where the engine runs and why', () => {
    const holder = new StatusHolder();
    holder.mode('page', 'registration-failed', '/sw.js: ServiceWorker script evaluation failed');
    expect(holder.current).toMatchObject({
      mode: 'page',
      fallbackReason: 'registration-failed',
      fallbackError: '/sw.js: ServiceWorker script evaluation failed',
    });
  });
});
