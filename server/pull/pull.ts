import {
  type LogWithRecord,
  PULL_LIMIT_DEFAULT,
  PULL_LIMIT_MAX,
  type PullResponse,
} from 'swsync/schema';
import {
  type CursorOwner,
  encodeChangelogId,
  encodeCursor,
  encodeFullPullCursor,
  parseCursor,
} from '../changelog/cursor.ts';
import { cursorExpired, databaseUnavailable, ServerError } from '../errors.ts';
import { classifyFault } from '../store/faults.ts';
import type { SyncStore } from '../store/types.ts';

export interface PullOptions {
  store: SyncStore;
  /** The caller's scope. */
  scopeKey: string;
  /**
   * The account pulling (what `auth` returned); cursors are bound to it and to the scope, so
   * one issued to another account or scope is a 400. Default: the scope.
   */
  account?: string;
  /** The cursor from the previous pull; null or absent for a full pull. */
  lastChangelogId?: string | null;
  /** Entries per page, 1..1000. Default 500. */
  limit?: number;
}

interface Row {
  scope_seq: number | string;
  purged_seq: number | string;
  purged_before: Date | string | null;
  total: number | string | null;
  seq: number | string | null;
  /** The entry as JSON text, from its second member on: `"model":...}` (its id comes first). */
  rest: string | null;
}

/** A pull page whose entries are JSON text, ready to be sent as they are. */
export interface PullPageText {
  cursor: string | null;
  hasMore: boolean;
  /** `logsWithRecords` as JSON text. */
  logsJson: string;
  total?: number;
}

/**
 * Returns the caller's changelog entries after `lastChangelogId`, oldest first (PROTOCOL.md,
 * Pull). The records table is the compacted changelog: each record appears once, at the seq of
 * its latest change, with its current state (or `null` for a tombstone).
 *
 * Everything comes from ONE statement, hence one snapshot: the scope's counter and the page
 * agree, so the cursor returned for an empty page never runs ahead of what the page saw.
 *
 * @example
 * const page = await pullAndMaterializeLogs({ store, scopeKey: userId, lastChangelogId: cursor });
 * if (page.hasMore) // call again at once with page.cursor
 */
export async function pullAndMaterializeLogs(options: PullOptions): Promise<PullResponse> {
  const { logsJson, ...page } = await pullPageText(options);
  return { ...page, logsWithRecords: JSON.parse(logsJson) as LogWithRecord[] };
}

/**
 * {@link pullAndMaterializeLogs} with the entries left as the JSON text the database built
 * (what the HTTP route sends): records are never decoded into objects and encoded again.
 * Same errors: `BAD_REQUEST` (400), `CURSOR_EXPIRED` (409), `UNAVAILABLE` (503).
 */
export async function pullPageText(options: PullOptions): Promise<PullPageText> {
  const limit = options.limit ?? PULL_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > PULL_LIMIT_MAX) {
    throw new ServerError('BAD_REQUEST', `limit must be an integer in 1..${PULL_LIMIT_MAX}`);
  }
  const owner: CursorOwner = {
    scope: options.scopeKey,
    account: options.account ?? options.scopeKey,
  };
  const cursorIn = parseCursor(options.lastChangelogId, owner);
  const after = cursorIn?.seq ?? null;
  // A pull from nothing is a full pull; its later pages carry when it began.
  const fullPullSince = cursorIn === null ? Date.now() : cursorIn.fullPullSince;
  let rows: Row[];
  try {
    // The database writes each entry as LogWithRecord is on the wire, but for its id (which
    // depends on the seq alone, added here): the stored record's jsonb goes out as its text,
    // never decoded into an object and encoded again. `key` is stored as JSON text already.
    rows = await options.store.query<Row>(
      `SELECT s.seq AS scope_seq, s.purged_seq, s.purged_before, s.total, r.seq, r.rest
         FROM (SELECT coalesce(max(seq), 0) AS seq, coalesce(max(purged_seq), 0) AS purged_seq,
                      max(purged_before) AS purged_before,
                      ${
                        // Counted once per full pull, on its first page: progress needs it.
                        cursorIn === null
                          ? '(SELECT count(*) FROM swsync_records WHERE scope = $1 AND NOT purged)'
                          : 'NULL::bigint'
                      } AS total
                 FROM swsync_scopes WHERE scope = $1) AS s
         LEFT JOIN LATERAL (
           SELECT seq,
                  '"model":' || to_json(model)::text || ',"keyPath":[' || key ||
                  '],"operation":' || to_json(operation)::text ||
                  ',"record":' || coalesce(record::text, 'null') || ',"version":' || version ||
                  ',"eventId":' || coalesce(to_json(event_id)::text, 'null') ||
                  ',"clientId":' || coalesce(to_json(client_id)::text, 'null') || '}' AS rest
             FROM swsync_records
            WHERE scope = $1 AND seq > $2 AND NOT purged
            ORDER BY seq
            LIMIT $3
         ) AS r ON true
        ORDER BY r.seq`,
      [options.scopeKey, after ?? 0, limit + 1],
    );
  } catch (error) {
    if (classifyFault(error) === 'other') throw error;
    throw databaseUnavailable();
  }
  const head = Number(rows[0]?.scope_seq ?? 0);
  const purged = Number(rows[0]?.purged_seq ?? 0);
  if (after !== null && after > head) {
    throw new ServerError('BAD_REQUEST', 'lastChangelogId was not issued by this server');
  }
  // A purged tombstone above the cursor would be missed: the client must start over. Not so
  // for a full pull that began after everything purged was already deleted: it never saw
  // those records.
  if (after !== null && after < purged) {
    const purgedBefore = rows[0]?.purged_before ? new Date(rows[0].purged_before).getTime() : null;
    const sawNone =
      fullPullSince !== null && purgedBefore !== null && purgedBefore <= fullPullSince;
    if (!sawNone) throw cursorExpired();
  }

  const entries = rows.filter((row) => row.seq !== null);
  const hasMore = entries.length > limit;
  const page = hasMore ? entries.slice(0, limit) : entries;
  let logsJson = '[';
  for (const [i, row] of page.entries()) {
    logsJson += `${i === 0 ? '' : ','}{"id":"${encodeChangelogId(Number(row.seq))}",${row.rest}`;
  }
  logsJson += ']';
  const lastSeq = page.at(-1)?.seq ?? null;
  let cursor: string | null;
  if (lastSeq !== null && hasMore) {
    const seq = Number(lastSeq);
    cursor =
      fullPullSince !== null
        ? encodeFullPullCursor(owner, seq, fullPullSince)
        : encodeCursor(owner, seq);
  } else if (head > 0) {
    // Caught up: the head of the same snapshot, past any purged tombstones at the end.
    cursor = encodeCursor(owner, Math.max(head, after ?? 0));
  } else cursor = options.lastChangelogId ?? null;
  const total = rows[0]?.total;
  return {
    cursor,
    hasMore,
    logsJson,
    ...(total === null || total === undefined ? {} : { total: Number(total) }),
  };
}

/** A pull page as the response body: the entries' JSON text goes out as the database built it. */
export function pullPageBody(page: PullPageText): string {
  const total = page.total === undefined ? '' : `,"total":${page.total}`;
  return `{"cursor":${JSON.stringify(page.cursor)},"hasMore":${page.hasMore},"logsWithRecords":${page.logsJson}${total}}`;
}
