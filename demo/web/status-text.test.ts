import type { SyncStatus } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { statusDetail, statusText } from './status-text.ts';

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

  it('says Syncing through a first sync; the record count is the detail beside it', () => {
    const first = { ...base, lastSyncAt: null, syncing: true };
    const unknown = { ...first, initialSync: { records: 1200, total: null, done: false } };
    expect(statusText(unknown)).toBe('Syncing');
    // Each page of records changes the detail, never the announced text.
    const later = { ...unknown, initialSync: { records: 2200, total: null, done: false } };
    expect(statusText(later)).toBe(statusText(unknown));
    expect(statusDetail(unknown)).toBe('1,200');
    expect(statusDetail({ ...first, initialSync: { records: 0, total: null, done: false } })).toBe(
      null,
    );
    expect(statusDetail({ ...first, initialSync: { records: 1, total: null, done: false } })).toBe(
      '1',
    );
    // With the server's total; never more received than expected when commits came meanwhile.
    const known = { records: 1200, total: 10_000, done: false };
    expect(statusDetail({ ...first, initialSync: known })).toBe('1,200/10,000');
    expect(statusDetail({ ...first, initialSync: { ...known, records: 10_003 } })).toBe(
      '10,000/10,000',
    );
    expect(statusText({ ...first, pending: 3, initialSync: known })).toBe('Syncing · 3 pending');
    const done = { ...base, initialSync: { records: 10_000, total: 10_000, done: true } };
    expect(statusText(done)).toBe('Synced');
    expect(statusDetail(done)).toBeNull();
  });

  it('says Retrying through an outage; the countdown to the next try is the detail', () => {
    const now = Date.parse('2026-11-24T10:05:00.000Z');
    const failing: SyncStatus = {
      ...base,
      pending: 2,
      lastError: { code: 'SYNC_FAILED', message: 'HTTP 503: unavailable' },
      retry: { at: '2026-11-24T10:05:07.200Z', attempt: 3, reason: 'HTTP 503: unavailable' },
    };
    // The announced text does not depend on the clock: the same while the retry runs and after.
    const next = {
      ...failing,
      retry: { at: '2026-11-24T10:05:30.000Z', attempt: 4, reason: 'HTTP 503: unavailable' },
    };
    for (const status of [failing, { ...failing, syncing: true }, next]) {
      expect(statusText(status)).toBe('Retrying · 2 pending');
    }
    expect(statusDetail(failing, now)).toBe('next try in 8 s');
    expect(statusDetail(failing, now + 1000)).toBe('next try in 7 s');
    expect(statusDetail({ ...failing, syncing: true }, now + 7200)).toBe('trying now');
    expect(statusText({ ...failing, pending: 0 })).toBe('Retrying');
    expect(statusDetail({ ...failing, pending: 0 }, now - 120_000)).toBe('next try in 3 min');
    // Offline and a pause say more than the retry does, and need no countdown.
    expect(statusText({ ...failing, online: false })).toBe('Offline · 2 pending');
    expect(statusDetail({ ...failing, online: false }, now)).toBeNull();
    expect(statusDetail({ ...failing, paused: 'unauthorized' }, now)).toBeNull();
    expect(statusText({ ...failing, retry: null, pending: 0 })).toBe('Sync error');
  });
});
