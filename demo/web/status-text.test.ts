import type { SyncStatus } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { statusText } from './status-text.ts';

const base: SyncStatus = {
  online: true,
  pending: 0,
  syncing: false,
  lastSyncAt: '2026-11-24T10:02:00.000Z',
  lastError: null,
  paused: null,
  initialSync: null,
};

describe('statusText', () => {
  it('says Synced only when online, idle, nothing pending and the last sync succeeded', () => {
    expect(statusText(base)).toBe('Synced');
    expect(statusText({ ...base, online: false })).toBe('Offline');
    expect(statusText({ ...base, pending: 1 })).toBe('1 pending');
    expect(statusText({ ...base, lastError: { code: 'NETWORK', message: 'x' } })).not.toMatch(
      /Synced/,
    );
    expect(statusText({ ...base, lastSyncAt: null })).not.toMatch(/Synced/);
    expect(statusText({ ...base, paused: 'version-mismatch' })).not.toMatch(/Synced/);
    expect(statusText({ ...base, paused: 'unauthorized', pending: 1 })).toBe(
      'Signed out · 1 pending',
    );
  });

  it('shows the pending count offline and while syncing', () => {
    expect(statusText({ ...base, online: false, pending: 2 })).toBe('Offline · 2 pending');
    expect(statusText({ ...base, syncing: true, pending: 3 })).toBe('Syncing · 3 pending');
  });
});
