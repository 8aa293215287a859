import type { SyncStatus } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { statusText } from './status-text.ts';

const base: SyncStatus = {
  online: true,
  pending: 0,
  syncing: false,
  lastSyncAt: '2026-11-24T10:02:00.000Z',
  lastError: null,
  retry: null,
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
    expect(statusText({ ...base, syncing: true, pending: 3 })).toBe('3 pending');
  });

  it('keeps a settled line while a sync runs: no "Syncing" or "Connecting…" per write or poll', () => {
    expect(statusText({ ...base, syncing: true })).toBe('Synced');
    expect(statusText({ ...base, syncing: true, pending: 1 })).toBe('1 pending');
    expect(statusText({ ...base, lastSyncAt: null })).toBe('Connecting…');
  });

  it('says how many records a first sync brought so far', () => {
    const first = { ...base, lastSyncAt: null, syncing: true };
    expect(statusText({ ...first, initialSync: { records: 1200, total: null, done: false } })).toBe(
      'Syncing 1,200',
    );
    expect(statusText({ ...first, initialSync: { records: 1, total: null, done: false } })).toBe(
      'Syncing 1',
    );
    // With the server's total; never more received than expected when commits came meanwhile.
    const known = { records: 1200, total: 10_000, done: false };
    expect(statusText({ ...first, initialSync: known })).toBe('Syncing 1,200/10,000');
    expect(statusText({ ...first, initialSync: { ...known, records: 10_003 } })).toBe(
      'Syncing 10,000/10,000',
    );
    expect(
      statusText({ ...base, initialSync: { records: 10_000, total: 10_000, done: true } }),
    ).toBe('Synced');
  });

  it('counts a scheduled retry down, and keeps saying Retrying while it runs', () => {
    const now = Date.parse('2026-11-24T10:05:00.000Z');
    const failing: SyncStatus = {
      ...base,
      pending: 2,
      lastError: { code: 'SYNC_FAILED', message: 'HTTP 503: unavailable' },
      retry: { at: '2026-11-24T10:05:07.200Z', attempt: 3, reason: 'HTTP 503: unavailable' },
    };
    expect(statusText(failing, now)).toBe('Retrying in 8 s · 2 pending');
    expect(statusText(failing, now + 1000)).toBe('Retrying in 7 s · 2 pending');
    // The retry itself runs: no flip to "Syncing" and back.
    expect(statusText({ ...failing, syncing: true }, now + 7200)).toBe('Retrying now · 2 pending');
    expect(statusText({ ...failing, pending: 0 }, now - 120_000)).toBe('Retrying in 3 min');
    // Offline and a pause say more than the retry does.
    expect(statusText({ ...failing, online: false }, now)).toBe('Offline · 2 pending');
    expect(statusText({ ...failing, retry: null, pending: 0 }, now)).toBe('Sync error');
  });
});
