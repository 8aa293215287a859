import type { SyncStore } from '../store/types.ts';

/** Default tombstone retention: 30 days. */
export const DEFAULT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export interface PurgeTombstonesOptions {
  store: SyncStore;
  /** Tombstones older than this are purged. Default {@link DEFAULT_RETENTION_MS}. */
  retentionMs?: number;
  /** The clock, for tests. */
  now?: Date;
}

/**
 * Removes tombstones older than the retention window from the changelog, and records per scope
 * the highest purged seq: a pull from a cursor below it could miss a delete, so it answers 409
 * `cursor expired` and the client starts over. The purged rows keep only their key and scope,
 * so a deleted key stays bound to its scope (PROTOCOL.md: a key once used in one scope cannot be
 * created in another). Run it from a job; returns how many tombstones it purged.
 *
 * @example
 * setInterval(() => purgeTombstones({ store }), 60 * 60 * 1000);
 */
export async function purgeTombstones(options: PurgeTombstonesOptions): Promise<number> {
  const retention = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const cutoff = new Date((options.now ?? new Date()).getTime() - retention).toISOString();
  return options.store.transaction(async (tx) => {
    // Lock the affected scope rows first, in scope order, as a push does (counter row, then
    // records): taking them in the opposite order could deadlock with a push re-creating a key.
    await tx.query(
      `SELECT scope FROM swsync_scopes WHERE scope IN (
         SELECT scope FROM swsync_records
          WHERE record IS NULL AND NOT purged AND changed_at < $1::timestamptz
       ) ORDER BY scope FOR UPDATE`,
      [cutoff],
    );
    const rows = await tx.query<{ purged: number | string }>(
      `WITH purged AS (
         UPDATE swsync_records SET purged = true, operation = 'delete', event_id = NULL,
                client_id = NULL, parent_model = NULL, parent_key = NULL
          WHERE record IS NULL AND NOT purged AND changed_at < $1::timestamptz
          RETURNING scope, seq
       ), per_scope AS (
         SELECT scope, max(seq) AS seq, count(*) AS n FROM purged GROUP BY scope
       ), bumped AS (
         UPDATE swsync_scopes s SET purged_seq = greatest(s.purged_seq, p.seq),
                purged_before = greatest(s.purged_before, $1::timestamptz)
           FROM per_scope p WHERE s.scope = p.scope
         RETURNING p.n
       )
       SELECT coalesce(sum(n), 0) AS purged FROM bumped`,
      [cutoff],
    );
    return Number(rows[0]?.purged ?? 0);
  });
}

export interface SchedulePurgeOptions extends Omit<PurgeTombstonesOptions, 'now'> {
  /** Time between purges. Default one hour. */
  intervalMs?: number;
  /** Called when a purge fails (the database is down...); the schedule goes on. */
  onError?: (error: unknown) => void;
}

/**
 * Runs {@link purgeTombstones} now and then every `intervalMs`, one run at a time. Several
 * instances may run it against one database: each run is one transaction and they serialize.
 * Returns a function that stops the schedule and waits for a running purge.
 *
 * @example
 * const stop = schedulePurge({ store, retentionMs: 30 * 24 * 3600_000 });
 * // on shutdown:
 * await stop();
 */
export function schedulePurge(options: SchedulePurgeOptions): () => Promise<void> {
  const interval = options.intervalMs ?? 60 * 60 * 1000;
  let stopped = false;
  const purge = () => purgeTombstones(options).catch((error: unknown) => options.onError?.(error));
  let running: Promise<unknown> = purge();
  const timer = setInterval(() => {
    if (!stopped) running = running.then(purge);
  }, interval);
  // A purge schedule alone should not keep a process alive.
  (timer as { unref?: () => void }).unref?.();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
