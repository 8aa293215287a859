import type { ScheduledRetry, SyncStatus } from 'swsync/schema';

/** Pauses that wait for this account to sign in again. */
const SIGNED_OUT = new Set<SyncStatus['paused']>([
  'unauthorized',
  'account-mismatch',
  'signed-out',
]);

/**
 * The one line the status element shows at `now` (epoch ms). "Synced" appears only when
 * online, nothing is pending and the last sync succeeded; the pending count shows whenever
 * events await the server; "Retrying in 8 s" counts down while a retry is scheduled, and stays
 * (as "Retrying now") while that retry runs, so a failing server never makes it flicker.
 */
export function statusText(status: SyncStatus, now = Date.now()): string {
  const pending = status.pending > 0 ? `${status.pending} pending` : null;
  const line = (head: string) => [head, pending].filter(Boolean).join(' · ');
  if (!status.online) return line('Offline');
  if (SIGNED_OUT.has(status.paused)) return line('Signed out');
  if (status.paused === 'version-mismatch') return line('Update ready, reload');
  if (status.retry) return line(retryText(status.retry, now));
  if (pending) return status.syncing ? `Syncing · ${pending}` : pending;
  if (status.lastError) return 'Sync error';
  if (status.syncing || status.lastSyncAt === null) return 'Connecting…';
  return 'Synced';
}

function retryText(retry: ScheduledRetry, now: number): string {
  const seconds = Math.ceil((Date.parse(retry.at) - now) / 1000);
  if (!(seconds > 0)) return 'Retrying now';
  if (seconds < 60) return `Retrying in ${seconds} s`;
  return `Retrying in ${Math.ceil(seconds / 60)} min`;
}
