import type { SyncStatus } from 'swsync/schema';

/**
 * The one line the status element shows. "Synced" appears only when online, nothing is
 * pending and the last sync succeeded; the pending count shows whenever events await the server.
 */
export function statusText(status: SyncStatus): string {
  const pending = status.pending > 0 ? `${status.pending} pending` : null;
  if (!status.online) return ['Offline', pending].filter(Boolean).join(' · ');
  if (status.paused === 'unauthorized') return ['Signed out', pending].filter(Boolean).join(' · ');
  if (status.paused === 'version-mismatch') {
    return ['Update ready, reload', pending].filter(Boolean).join(' · ');
  }
  if (pending) return status.syncing ? `Syncing · ${pending}` : pending;
  if (status.lastError) return 'Sync error, retrying';
  if (status.syncing || status.lastSyncAt === null) return 'Connecting…';
  return 'Synced';
}
