import type { LogWithRecord } from 'swsync/schema';
import { pullAndMaterializeLogs } from '../pull/pull.ts';
import type { SyncStore } from '../store/types.ts';

export interface Replica {
  cursor: string | null;
  /** Current records by `model/key`, as a client applying every entry would hold them. */
  records: Map<string, Record<string, unknown>>;
  /** Every entry received, in order. */
  entries: LogWithRecord[];
}

/** A client-side copy of a scope built only from pulls, as an engine would. */
export function emptyReplica(): Replica {
  return { cursor: null, records: new Map(), entries: [] };
}

/** Applies pulled entries to a replica. */
export function applyEntries(replica: Replica, entries: readonly LogWithRecord[]): void {
  for (const entry of entries) {
    replica.entries.push(entry);
    const id = `${entry.model}/${entry.keyPath[0]}`;
    if (entry.record) replica.records.set(id, entry.record);
    else replica.records.delete(id);
  }
}

/**
 * Pulls page by page until `hasMore` is false, applying each page.
 *
 * @example
 * const replica = emptyReplica();
 * await drain(store, scope, replica, 50);
 */
export async function drain(
  store: SyncStore,
  scopeKey: string,
  replica: Replica = emptyReplica(),
  limit = 500,
): Promise<Replica> {
  for (;;) {
    const page = await pullAndMaterializeLogs({
      store,
      scopeKey,
      lastChangelogId: replica.cursor,
      limit,
    });
    applyEntries(replica, page.logsWithRecords);
    replica.cursor = page.cursor;
    if (!page.hasMore) return replica;
  }
}
