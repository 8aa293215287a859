import { encodeChangelogId } from '../changelog/cursor.ts';
import { POKE_CHANNEL, type SqlClient } from '../store/types.ts';
import type { Role } from './roles.ts';

/** One entry of an account's log: the account gained, changed or lost a scope. */
export interface AccountLogEntry {
  seq: number;
  scope: string;
  kind: 'grant' | 'role' | 'revoke';
  /** The role after the change; null for a revocation. */
  role: Role | null;
}

/**
 * Locks (creating when new) the account's log counter row and returns its seq. Taken after the
 * scope rows: every path that takes both (grants, revocations, shares) takes scopes first, so
 * none can deadlock with another.
 */
export async function lockAccount(tx: SqlClient, account: string): Promise<number> {
  const rows = await tx.query<{ seq: number | string }>(
    `INSERT INTO swsync_accounts (account) VALUES ($1)
     ON CONFLICT (account) DO UPDATE SET seq = swsync_accounts.seq
     RETURNING seq`,
    [account],
  );
  return Number(rows[0]!.seq);
}

/**
 * Appends one entry at `seq` (the locked counter + 1), moves the counter and pokes the
 * account's streams on commit.
 */
export async function appendAccountLog(
  tx: SqlClient,
  account: string,
  entry: AccountLogEntry,
): Promise<void> {
  await tx.query(
    `INSERT INTO swsync_account_log (account, seq, scope, kind, role) VALUES ($1, $2, $3, $4, $5)`,
    [account, entry.seq, entry.scope, entry.kind, entry.role],
  );
  await tx.query('UPDATE swsync_accounts SET seq = $2 WHERE account = $1', [account, entry.seq]);
  await tx.query('SELECT pg_notify($1, $2)', [
    POKE_CHANNEL,
    JSON.stringify({ account, cursor: encodeChangelogId(entry.seq) }),
  ]);
}

/** The account's log after `after`, oldest first, at most `limit` entries. */
export async function readAccountLog(
  tx: SqlClient,
  account: string,
  after: number,
  limit: number,
): Promise<AccountLogEntry[]> {
  const rows = await tx.query<{ seq: number | string; scope: string; kind: string; role: string }>(
    `SELECT seq, scope, kind, role FROM swsync_account_log
      WHERE account = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [account, after, limit],
  );
  return rows.map((row) => ({
    seq: Number(row.seq),
    scope: row.scope,
    kind: row.kind as AccountLogEntry['kind'],
    role: (row.role ?? null) as Role | null,
  }));
}
