import {
  type LogWithRecord,
  PULL_LIMIT_DEFAULT,
  PULL_LIMIT_MAX,
  type SpacesPullResponse,
} from 'swsync/schema';
import type { Cursor } from '../changelog/cursor.ts';
import { encodeChangelogId } from '../changelog/cursor.ts';
import {
  encodeSpacesCursor,
  parseSpacesCursor,
  type SpacesCursor,
} from '../changelog/spaces-cursor.ts';
import { cursorExpired, databaseUnavailable, ServerError } from '../errors.ts';
import { readAccountLog } from '../spaces/account-log.ts';
import type { Role } from '../spaces/roles.ts';
import { classifyFault } from '../store/faults.ts';
import type { SqlClient, SyncStore } from '../store/types.ts';

export interface SpacesPullOptions {
  store: SyncStore;
  /** The account pulling: its personal scope (its id) and every scope it is a member of. */
  account: string;
  /** The previous spaces cursor, or a v1 cursor of the personal scope; null: a full pull. */
  lastChangelogId?: string | null;
  /** Entries per page across all scopes, 1..1000. Default 500. */
  limit?: number;
}

/** One changelog entry of a spaces pull: a v1 entry plus the scope it belongs to. */
export type SpacesLogWithRecord = SpacesPullResponse['logsWithRecords'][number];

/** Most account-log entries one page reads; more → `hasMore`. */
const LOG_PAGE = 1000;

interface ScopeRow {
  scope: string;
  grant_seq: number | string;
  role: Role;
  head: number | string;
  purged_seq: number | string;
  purged_before: Date | string | null;
  pos: number | string | null;
  since: number | string | null;
  log_head: number | string | null;
  /** A full pull's first page only: the scope's entries (tombstones included). */
  total: number | string | null;
}

interface EntryRow {
  ord: number;
  model: string;
  key: string;
  seq: number | string;
  version: number | string;
  operation: LogWithRecord['operation'];
  record: Record<string, unknown> | null;
  event_id: string | null;
  client_id: string | null;
}

interface Scope {
  name: string;
  grant: number;
  after: number;
  since: number | null;
  head: number;
}

/**
 * The changes of every scope the account can read, in one request under one cursor
 * (docs/protocol.md, "Spaces"). Three statements whatever the number of scopes, in one
 * read-only REPEATABLE READ transaction so they share one snapshot: the account's scopes with
 * their heads joined to the cursor's positions, the entries of the scopes that changed, and the
 * account log (revocations, roles). Each scope keeps the late-commit guarantee of v1: a scope's
 * position only moves to a head seen in the same snapshot as its entries.
 *
 * Throws `ServerError`: `BAD_REQUEST` (bad limit, a cursor not issued to this account),
 * `CURSOR_EXPIRED` (a scope's tombstones were purged past its position), `UNAVAILABLE`.
 *
 * The response adds to v1's: `revokedScopes` (remove their records locally first, before this
 * page's entries: a scope revoked and granted again comes back from its start in this or a
 * later page), `roles` (of scopes granted or changed since the cursor), `syncingScopes` (still
 * being pulled from their start after this page), each entry's `scope`, and on the first page
 * of a full pull (no cursor) v1's `total`: the entries of every scope of the account, counted
 * in the same first statement.
 *
 * @example
 * const page = await pullSpaces({ store, account: userId, lastChangelogId: cursor });
 * for (const scope of page.revokedScopes) dropLocal(scope);
 */
export async function pullSpaces(options: SpacesPullOptions): Promise<SpacesPullResponse> {
  const limit = options.limit ?? PULL_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > PULL_LIMIT_MAX) {
    throw new ServerError('BAD_REQUEST', `limit must be an integer in 1..${PULL_LIMIT_MAX}`);
  }
  const { account } = options;
  const cursorIn = parseSpacesCursor(options.lastChangelogId, account);
  const startedAt = Date.now();
  try {
    return await options.store.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return await pullIn(tx, account, cursorIn, limit, startedAt);
    });
  } catch (error) {
    if (error instanceof ServerError || classifyFault(error) === 'other') throw error;
    throw databaseUnavailable();
  }
}

async function pullIn(
  tx: SqlClient,
  account: string,
  cursorIn: SpacesCursor | null,
  limit: number,
  startedAt: number,
): Promise<SpacesPullResponse> {
  const positions = cursorIn?.positions ?? new Map<number, Cursor>();
  const scopeRows = await tx.query<ScopeRow>(
    `SELECT m.scope, m.grant_seq, m.role, coalesce(s.seq, 0) AS head,
            coalesce(s.purged_seq, 0) AS purged_seq, s.purged_before, c.pos, c.since,
            (SELECT seq FROM swsync_accounts WHERE account = $1) AS log_head,
            ${
              // Counted once per full pull, on its first page, as v1 does: progress needs it.
              cursorIn === null
                ? '(SELECT count(*) FROM swsync_records r WHERE r.scope = m.scope AND NOT r.purged)'
                : 'NULL::bigint'
            } AS total
       FROM (SELECT scope, grant_seq, role FROM swsync_members WHERE account = $1
             UNION ALL SELECT $1::text, 0, 'owner') AS m
       LEFT JOIN swsync_scopes s ON s.scope = m.scope
       LEFT JOIN jsonb_to_recordset($2::text::jsonb) AS c(grant_seq bigint, pos bigint, since bigint)
         ON c.grant_seq = m.grant_seq`,
    [
      account,
      [...positions].map(([grant, p]) => ({
        grant_seq: grant,
        pos: p.seq,
        since: p.fullPullSince,
      })),
    ],
  );

  const scopes: Scope[] = [];
  for (const row of scopeRows) {
    const grant = Number(row.grant_seq);
    const head = Number(row.head);
    const after = row.pos === null ? 0 : Number(row.pos);
    if (after > head)
      throw new ServerError('BAD_REQUEST', 'lastChangelogId was not issued by this server');
    // A scope new to the cursor is a full pull of that scope, begun now.
    const since =
      row.pos === null
        ? cursorIn
          ? startedAt
          : startedAt
        : row.since === null
          ? null
          : Number(row.since);
    const purged = Number(row.purged_seq);
    if (after > 0 && after < purged) {
      const purgedBefore = row.purged_before ? new Date(row.purged_before).getTime() : null;
      const sawNone = since !== null && purgedBefore !== null && purgedBefore <= since;
      if (!sawNone) throw cursorExpired();
    }
    scopes.push({ name: row.scope, grant, after, since, head });
  }
  // Positions of grants no longer held (revoked scopes) are not carried over: the account log
  // tells the client which scopes to remove.

  const changed = scopes.filter((scope) => scope.head > scope.after);
  const entries =
    changed.length === 0
      ? []
      : await tx.query<EntryRow>(
          `SELECT c.ord, r.model, r.key, r.seq, r.version, r.operation, r.record, r.event_id,
                  r.client_id
             FROM jsonb_to_recordset($1::text::jsonb) AS c(scope text, after bigint, ord integer)
             CROSS JOIN LATERAL (
               SELECT model, key, seq, version, operation, record, event_id, client_id
                 FROM swsync_records
                WHERE scope = c.scope AND seq > c.after AND NOT purged
                ORDER BY seq LIMIT $2
             ) AS r
            ORDER BY c.ord, r.seq
            LIMIT $2`,
          [
            changed.map((scope, ord) => ({ scope: scope.name, after: scope.after, ord })),
            limit + 1,
          ],
        );

  const hasMoreEntries = entries.length > limit;
  const page = hasMoreEntries ? entries.slice(0, limit) : entries;
  // The scope the page was cut in (if any) ends at its last entry in the page; scopes before
  // it are complete (their head, as v1: past purged tombstones at the end); after it, unmoved.
  const cutOrd = hasMoreEntries ? entries[limit]!.ord : Number.POSITIVE_INFINITY;
  const lastSeq = new Map<number, number>();
  for (const row of page) lastSeq.set(row.ord, Number(row.seq));

  const next = new Map<number, Cursor>();
  const syncing: string[] = [];
  const ordOf = new Map(changed.map((scope, ord) => [scope, ord]));
  for (const scope of scopes) {
    const ord = ordOf.get(scope);
    let seq = scope.after;
    if (ord !== undefined) {
      if (ord < cutOrd) seq = scope.head;
      else if (ord === cutOrd) seq = lastSeq.get(ord) ?? scope.after;
    }
    const complete = seq >= scope.head;
    const since = complete ? null : scope.since;
    if (since !== null) syncing.push(scope.name);
    next.set(scope.grant, { seq, fullPullSince: since });
  }

  const logAfter = cursorIn?.log ?? 0;
  const log = await readAccountLog(tx, account, logAfter, LOG_PAGE + 1);
  const hasMoreLog = log.length > LOG_PAGE;
  const logPage = hasMoreLog ? log.slice(0, LOG_PAGE) : log;
  const logHead = Number(scopeRows[0]?.log_head ?? 0);
  const revoked = new Set<string>();
  const roles: Record<string, Role> = {};
  for (const entry of logPage) {
    if (entry.kind === 'revoke') {
      revoked.add(entry.scope);
      delete roles[entry.scope];
    } else if (entry.role) roles[entry.scope] = entry.role;
  }
  // The roles of scopes new to this cursor whose grant is older than its log position.
  for (const row of scopeRows) {
    const grant = Number(row.grant_seq);
    if (grant !== 0 && !positions.has(grant)) roles[row.scope] ??= row.role;
  }

  const cursor = encodeSpacesCursor(account, {
    log: hasMoreLog ? logPage.at(-1)!.seq : Math.max(logHead, logAfter),
    positions: next,
  });
  const nameByOrd = new Map(changed.map((scope, ord) => [ord, scope.name]));
  const total =
    cursorIn === null ? scopeRows.reduce((sum, row) => sum + Number(row.total ?? 0), 0) : null;
  return {
    cursor,
    hasMore: hasMoreEntries || hasMoreLog,
    ...(total === null ? {} : { total }),
    logsWithRecords: page.map((row) => ({
      id: encodeChangelogId(Number(row.seq)),
      model: row.model,
      keyPath: [JSON.parse(row.key) as string | number],
      operation: row.operation,
      record: row.record,
      version: Number(row.version),
      eventId: row.event_id,
      clientId: row.client_id,
      scope: nameByOrd.get(row.ord)!,
    })),
    revokedScopes: [...revoked],
    roles,
    syncingScopes: syncing,
  };
}
