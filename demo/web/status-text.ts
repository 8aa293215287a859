import type { ScheduledRetry, SyncStatus } from 'swsync/schema';

/** Pauses that wait for this account to sign in again. */
const SIGNED_OUT = new Set<SyncStatus['paused']>([
  'unauthorized',
  'account-mismatch',
  'signed-out',
]);

const count = new Intl.NumberFormat('en-US');

/**
 * The one line the status element shows at `now` (epoch ms). Only settled states have a text:
 * a sync that runs while nothing is pending keeps "Synced" (the idle poll every 30 s changes
 * nothing), a sync carrying pending events keeps "N pending" (no "Syncing" in between), and
 * "Connecting…" shows only before the first sync of this page ended. "Retrying in 8 s" counts
 * down while a retry is scheduled, and stays (as "Retrying now") while that retry runs. During a
 * first full sync the line says how many records arrived, briefly enough for a phone's header
 * ("Syncing 1,200/10,000", or "Syncing 1,200" while the total is unknown).
 *
 * @example statusText({ ...idleSyncStatus(), lastSyncAt: '2026-11-24T10:02:00Z' }) // 'Synced'
 */
export function statusText(status: SyncStatus, now = Date.now()): string {
  const pending = status.pending > 0 ? `${status.pending} pending` : null;
  const line = (head: string) => [head, pending].filter(Boolean).join(' · ');
  if (!status.online) return line('Offline');
  if (SIGNED_OUT.has(status.paused)) return line('Signed out');
  if (status.paused === 'version-mismatch') return line('Update ready, reload');
  if (status.retry) return line(retryText(status.retry, now));
  const initial = status.initialSync;
  if (initial && !initial.done) return line(`Syncing ${shortProgress(initial)}`);
  if (pending) return pending;
  if (status.lastError) return 'Sync error';
  if (status.lastSyncAt === null) return 'Connecting…';
  return 'Synced';
}

/**
 * How far a first full sync got: "1,200 of 10,000 records" when the server said how many,
 * else "1,200 records" (or "1 record"). A pull that ends above its total (commits made while
 * it ran) never shows more received than expected.
 */
export function initialSyncText(progress: { records: number; total: number | null }): string {
  const { records, total } = progress;
  if (total !== null && total > 0) {
    return `${count.format(Math.min(records, total))} of ${count.format(total)} records`;
  }
  return `${count.format(records)} ${records === 1 ? 'record' : 'records'}`;
}

function shortProgress({ records, total }: { records: number; total: number | null }): string {
  if (total !== null && total > 0) {
    return `${count.format(Math.min(records, total))}/${count.format(total)}`;
  }
  return count.format(records);
}

/**
 * Whether `text` may wait before it is shown: a pending count while online usually lasts a
 * moment (the write syncs at once), so showing it at once would make the line flicker.
 */
export function isTransient(status: SyncStatus): boolean {
  return (
    status.online &&
    status.paused === null &&
    status.retry === null &&
    status.pending > 0 &&
    !(status.initialSync && !status.initialSync.done)
  );
}

function retryText(retry: ScheduledRetry, now: number): string {
  const seconds = Math.ceil((Date.parse(retry.at) - now) / 1000);
  if (!(seconds > 0)) return 'Retrying now';
  if (seconds < 60) return `Retrying in ${seconds} s`;
  return `Retrying in ${Math.ceil(seconds / 60)} min`;
}
