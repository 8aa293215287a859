import type { SyncStatus } from 'swsync/schema';

/** Pauses that wait for this account to sign in again. */
const SIGNED_OUT = new Set<SyncStatus['paused']>([
  'unauthorized',
  'account-mismatch',
  'signed-out',
]);

/**
 * The one line the status element shows. "Synced" appears only when online, nothing is
 * pending and the last sync succeeded; the pending count shows whenever events await the server.
 */
export function statusText(status: SyncStatus): string {
  const pending = status.pending > 0 ? `${status.pending} pending` : null;
  if (!status.online) return ['Offline', pending].filter(Boolean).join(' · ');
  if (SIGNED_OUT.has(status.paused)) return ['Signed out', pending].filter(Boolean).join(' · ');
  if (status.paused === 'version-mismatch') {
    return ['Update ready, reload', pending].filter(Boolean).join(' · ');
  }
  if (pending) return status.syncing ? `Syncing · ${pending}` : pending;
  if (status.lastError) return 'Sync error, retrying';
  if (status.syncing || status.lastSyncAt === null) return 'Connecting…';
  return 'Synced';
}
