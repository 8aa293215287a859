import type { ScheduledRetry, SyncStatus } from 'swsync/schema';

/** Pauses that wait for this account to sign in again. */
const SIGNED_OUT = new Set<SyncStatus['paused']>([
  'unauthorized',
  'account-mismatch',
  'signed-out',
]);

const count = new Intl.NumberFormat('en-US');

/**
 * The status element's settled text (the page's polite live region: a screen reader reads each
 * change). Only settled states have a text: a sync that runs while nothing is pending keeps
 * "Synced" (the idle poll every 30 s changes nothing), a sync carrying pending events keeps
 * "N pending" (no "Syncing" in between), and "Connecting…" shows only before the first sync of
 * this page ended. An outage says "Retrying" for as long as it lasts, through every retry, and a
 * first full sync says "Syncing": what ticks meanwhile (the seconds to the next try, the records
 * received) is `statusDetail`, shown outside the live region.
 *
 * @example statusText({ ...idleSyncStatus(), lastSyncAt: '2026-11-24T10:02:00Z' }) // 'Synced'
 */
export function statusText(status: SyncStatus): string {
  const pending = status.pending > 0 ? `${status.pending} pending` : null;
  const line = (head: string) => [head, pending].filter(Boolean).join(' · ');
  if (!status.online) return line('Offline');
  if (SIGNED_OUT.has(status.paused)) return line('Signed out');
  if (status.paused === 'version-mismatch') return line('Update ready, reload');
  if (status.retry) return line('Retrying');
  const initial = status.initialSync;
  if (initial && !initial.done) return line('Syncing');
  if (pending) return pending;
  if (status.lastError) return 'Sync error';
  if (status.lastSyncAt === null) return 'Connecting…';
  return 'Synced';
}

/**
 * What changes too often to be announced, shown next to `statusText` at `now` (epoch ms): when
 * the next try of an outage runs ("next try in 8 s", "next try in 3 min", "trying now"), or how
 * far a first full sync got, briefly enough for a phone's header ("1,200/10,000", or "1,200"
 * while the total is unknown); null when the text says it all (offline, signed out).
 *
 * @example statusDetail(failing, now) // 'next try in 8 s'
 */
export function statusDetail(status: SyncStatus, now = Date.now()): string | null {
  if (!status.online || status.paused !== null) return null;
  if (status.retry) return retryText(status.retry, now);
  const initial = status.initialSync;
  // Before the first page nothing is known: a bare "0" reads as "nothing to sync".
  if (initial && !initial.done && (initial.records > 0 || initial.total !== null)) {
    return shortProgress(initial);
  }
  return null;
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
  if (!(seconds > 0)) return 'trying now';
  if (seconds < 60) return `next try in ${seconds} s`;
  return `next try in ${Math.ceil(seconds / 60)} min`;
}
