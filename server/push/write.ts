import { encodeChangelogId } from '../changelog/cursor.ts';
import { pipeline } from '../store/pipeline.ts';
import { POKE_CHANNEL, type SqlClient } from '../store/types.ts';
import { type KeptResult, type OutboxCounter, writeOutbox } from './outbox-counter.ts';
import type { AppliedEvent } from './process.ts';
import type { RecordRow } from './state.ts';

/**
 * Another scope wrote one of this batch's records between our read and our write (two scopes
 * creating the same key at once). The transaction is rolled back and retried; the retry reads
 * the other scope's record and rejects with SCOPE_VIOLATION.
 */
export class WriteRaceError extends Error {
  readonly code = 'WRITE_RACE';
  constructor() {
    super('a record of the batch was written by another scope concurrently');
    this.name = 'WriteRaceError';
  }
}

/**
 * Locks (creating when new) the counter rows of the given scopes, in scope order so two batches
 * over overlapping scopes cannot deadlock, and returns each scope's current seq and owner (the
 * account that shared it; null for a personal scope). The row locks
 * are held until commit: every writer of a scope waits here for the previous one to commit, so
 * seqs become visible in the order they are taken and a pull never skips a late commit.
 */
export async function lockScopes(
  tx: SqlClient,
  scopes: readonly string[],
): Promise<Map<string, { seq: number; owner: string | null }>> {
  const rows = await tx.query<{ scope: string; seq: number | string; owner: string | null }>(
    `INSERT INTO swsync_scopes (scope)
     SELECT s FROM jsonb_array_elements_text($1::text::jsonb) AS s ORDER BY s
     ON CONFLICT (scope) DO UPDATE SET seq = swsync_scopes.seq
     RETURNING scope, seq, owner`,
    [[...scopes].sort()],
  );
  return new Map(rows.map((row) => [row.scope, { seq: Number(row.seq), owner: row.owner }]));
}

/** The idempotency tables: client event ids, and server writes' keys (never mixed up). */
export type Ledger = 'events' | 'server-writes';
const LEDGER_TABLES: Record<Ledger, string> = {
  events: 'swsync_events',
  'server-writes': 'swsync_server_writes',
};

/** One statement: which of these (scope, ledger key) pairs were applied before. */
export async function readAppliedEvents(
  tx: SqlClient,
  ledger: Ledger,
  keys: readonly { scope: string; eventId: string }[],
): Promise<AppliedEvent[]> {
  if (keys.length === 0) return [];
  // A primary-key probe per key, whatever the statistics say (see readRecords).
  const rows = await tx.query<{
    scope: string;
    event_id: string;
    seq: number | string | null;
    version: number | string | null;
  }>(
    `SELECT e.scope, e.event_id, e.seq, e.version
       FROM jsonb_to_recordset($1::text::jsonb) AS k(scope text, "eventId" text)
       CROSS JOIN LATERAL (SELECT * FROM ${LEDGER_TABLES[ledger]} e
                            WHERE e.scope = k.scope AND e.event_id = k."eventId" LIMIT 1) AS e`,
    [keys],
  );
  return rows.map((row) => ({
    scope: row.scope,
    eventId: row.event_id,
    seq: row.seq === null ? null : Number(row.seq),
    version: row.version === null ? null : Number(row.version),
  }));
}

export interface BatchWrites {
  rows: readonly RecordRow[];
  ledger: Ledger;
  /** Applied events with a ledger key, to remember. */
  appliedEvents: readonly AppliedEvent[];
  /** Last seq taken per scope, and each scope's seq before the batch. */
  counters: ReadonlyMap<string, number>;
  initialCounters: ReadonlyMap<string, number>;
  /** Outbox counters: the outbox's new high-water mark and the results it keeps. */
  outbox?: { counter: OutboxCounter; last: number; kept: ReadonlyMap<number, KeptResult> };
}

/**
 * Writes the batch: one multi-row upsert of the changed records, one multi-row insert of the
 * applied event ids (or one update of the outbox's row), the new counter values, and a poke per changed scope (delivered by
 * PostgreSQL on commit, to every instance listening on the database). The statements go out
 * together, in one round trip; a write race found by the first rolls the whole batch back.
 */
export async function writeBatch(tx: SqlClient, batch: BatchWrites): Promise<void> {
  const { rows, ledger, appliedEvents, counters, initialCounters, outbox } = batch;
  const advanced = [...counters].filter(([scope, seq]) => initialCounters.get(scope) !== seq);
  const [written] = await pipeline([
    rows.length === 0
      ? Promise.resolve([])
      : // The WHERE keeps a record in its scope: if another scope inserted the key after our
        // read, the row is left alone, fewer rows come back, and the whole batch is retried.
        tx.query(
          `INSERT INTO swsync_records AS r (model, key, scope, seq, version, operation, record,
                                             parent_model, parent_key, event_id, client_id)
           SELECT x.model, x.key, x.scope, x.seq, x.version, x.operation, x.record,
                  x.parent_model, x.parent_key, x.event_id, x.client_id
             FROM jsonb_to_recordset($1::text::jsonb) AS x(model text, key text, scope text,
                  seq bigint, version integer, operation text, record jsonb, parent_model text,
                  parent_key text, event_id text, client_id text)
           ON CONFLICT (model, key) DO UPDATE SET
             seq = excluded.seq, version = excluded.version, operation = excluded.operation,
             record = excluded.record, parent_model = excluded.parent_model,
             parent_key = excluded.parent_key, event_id = excluded.event_id,
             client_id = excluded.client_id, changed_at = now(), purged = false
           WHERE r.scope = excluded.scope
           RETURNING 1 AS ok`,
          [
            rows.map((row) => ({
              model: row.model,
              key: row.key,
              scope: row.scope,
              seq: row.seq,
              version: row.version,
              operation: row.operation,
              record: row.record,
              parent_model: row.parentModel,
              parent_key: row.parentKey,
              event_id: row.eventId,
              client_id: row.clientId,
            })),
          ],
        ),
    appliedEvents.length === 0
      ? Promise.resolve([])
      : tx.query(
          `INSERT INTO ${LEDGER_TABLES[ledger]} (scope, event_id, seq, version)
           SELECT x.scope, x."eventId", x.seq, x.version
             FROM jsonb_to_recordset($1::text::jsonb)
               AS x(scope text, "eventId" text, seq bigint, version integer)
           ON CONFLICT (scope, event_id) DO NOTHING`,
          [appliedEvents],
        ),
    advanced.length === 0
      ? Promise.resolve([])
      : // An upsert, though every row exists (lockScopes made and locked it): its conflict check
        // probes the primary key per scope, where an UPDATE ... FROM was planned as a hash join
        // over a scan of every scope's counter (2.9 ms a push at 10k scopes, bench/README.md).
        tx.query(
          `INSERT INTO swsync_scopes (scope, seq)
           SELECT x.scope, x.seq FROM jsonb_to_recordset($1::text::jsonb) AS x(scope text, seq bigint)
           ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq`,
          [advanced.map(([scope, seq]) => ({ scope, seq }))],
        ),
    outbox ? writeOutbox(tx, outbox.counter, outbox.last, outbox.kept) : Promise.resolve([]),
    advanced.length === 0
      ? Promise.resolve([])
      : tx.query(
          `SELECT pg_notify('${POKE_CHANNEL}', p) FROM jsonb_array_elements_text($1::text::jsonb) AS p`,
          [
            advanced.map(([scope, seq]) =>
              JSON.stringify({ scope, cursor: encodeChangelogId(seq) }),
            ),
          ],
        ),
  ]);
  if (written.length !== rows.length) throw new WriteRaceError();
}
