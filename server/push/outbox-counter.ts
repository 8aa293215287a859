import type { PushErrorType } from 'swsync/schema';
import type { SqlClient } from '../store/types.ts';

/**
 * A push made under outbox counters (docs/protocol.md, "Outbox counters"): one local outbox of
 * one owner, its events numbered by `outboxSeq`. Replaces the per-event ledger for such pushes:
 * one row per (owner, outbox) instead of one row per event.
 */
export interface OutboxCounter {
  /** The ledger's namespace: the pushing account (or the scope, under a fixed `scopeKey`). */
  owner: string;
  id: string;
  /** The client's oldest queued `outboxSeq`: results kept below it are forgotten. */
  front: number;
}

/** What the server kept of an event it processed: enough to repeat its first result. */
export type KeptResult =
  | { kind: 'applied'; seq: number | null; version: number | null }
  | { kind: 'refused'; type: PushErrorType; message: string; withRecord: boolean };

/** The outbox's row as the batch found it (locked until commit). */
export interface OutboxState {
  /** Highest `outboxSeq` processed; every event at or below it was applied or refused once. */
  last: number;
  kept: Map<number, KeptResult>;
}

/**
 * Results kept per outbox at most. A client that follows the protocol never has more processed
 * and unsettled events than it sends in one push (at most `maxBatchSize`), so this only bounds a
 * misbehaving client's row; what falls out is answered with the record's current state.
 */
export const MAX_KEPT_RESULTS = 1000;

type StoredResult = [number, number | null, number | null] | [number, string, string, 0 | 1];

/**
 * Locks (creating when new) the outbox's row and reads it. The lock serialises two requests of
 * one outbox (a retry racing its original on the server): the second sees the first's results.
 */
export async function lockOutbox(tx: SqlClient, counter: OutboxCounter): Promise<OutboxState> {
  const [row] = await tx.query<{ last_seq: number | string; results: StoredResult[] }>(
    `INSERT INTO swsync_outboxes AS o (owner, outbox_id) VALUES ($1, $2)
     ON CONFLICT (owner, outbox_id) DO UPDATE SET last_seq = o.last_seq
     RETURNING o.last_seq, o.results`,
    [counter.owner, counter.id],
  );
  const kept = new Map<number, KeptResult>();
  for (const stored of row?.results ?? []) kept.set(stored[0], decode(stored));
  return { last: Number(row?.last_seq ?? 0), kept };
}

/**
 * Stores the outbox's new high-water mark and the results to keep: those of events at or above
 * the client's front (older ones are settled there and never sent again), newest last, at most
 * {@link MAX_KEPT_RESULTS}. One statement per batch, whatever its size.
 */
export function writeOutbox(
  tx: SqlClient,
  counter: OutboxCounter,
  last: number,
  kept: ReadonlyMap<number, KeptResult>,
): Promise<unknown> {
  const stored = [...kept]
    .filter(([outboxSeq]) => outboxSeq >= counter.front)
    .sort((a, b) => a[0] - b[0])
    .slice(-MAX_KEPT_RESULTS)
    .map(([outboxSeq, result]) => encode(outboxSeq, result));
  return tx.query(
    `UPDATE swsync_outboxes SET last_seq = $3, results = $4::text::jsonb, updated_at = now()
      WHERE owner = $1 AND outbox_id = $2`,
    [counter.owner, counter.id, last, stored],
  );
}

function encode(outboxSeq: number, result: KeptResult): StoredResult {
  return result.kind === 'applied'
    ? [outboxSeq, result.seq, result.version]
    : [outboxSeq, result.type, result.message, result.withRecord ? 1 : 0];
}

function decode(stored: StoredResult): KeptResult {
  if (typeof stored[1] === 'string') {
    return {
      kind: 'refused',
      type: stored[1] as PushErrorType,
      message: stored[2] as string,
      withRecord: stored[3] === 1,
    };
  }
  return {
    kind: 'applied',
    seq: stored[1] === null ? null : Number(stored[1]),
    version: stored[2] === null ? null : Number(stored[2]),
  };
}
