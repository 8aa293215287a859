import { ServerError } from '../errors.ts';
import type { SqlClient, SyncStore } from '../store/types.ts';
import { appendAccountLog, lockAccount } from './account-log.ts';
import { checkId, isRole, type Role, spacesTransaction } from './roles.ts';

export interface MembershipOptions {
  store: SyncStore;
  /** The shared scope, e.g. the `scope` returned by `shareRecord`. */
  scope: string;
  /** The member's account id (what `auth` returns for it). */
  account: string;
  /**
   * Who asks. When set, it must be an `owner` of the scope (else `FORBIDDEN`, 403) and the
   * scope must be a shared one (else `NOT_FOUND`, 404). Omit it for the application's own,
   * already authorised calls.
   */
  by?: string;
}

export interface GrantMembershipOptions extends MembershipOptions {
  role: Role;
}

/** What a membership call changed: nothing, a new membership, a role, a removal. */
export type MembershipChange = 'grant' | 'role' | 'revoke' | null;

export interface Member {
  account: string;
  role: Role;
}

/**
 * Makes `account` a member of `scope` with `role`, or changes its role. The account's devices
 * learn it on their next pull (the scope is then synced from its start) and are poked at once.
 * Granting the role a member already has changes nothing (returns null).
 *
 * Throws `ServerError`: `BAD_REQUEST` for a bad id or role, or a grant into the account's own
 * personal scope; `NOT_FOUND`/`FORBIDDEN` as described for `by`; `UNAVAILABLE` when the
 * database fails. Without `by`, a scope not seen before is created (its owner, when `role` is
 * `owner`, is `account`): name such scopes so they never equal an account id.
 *
 * @example
 * const { scope } = await shareRecord({ store, schema, model: 'Board', key: 'b1', by: 'alice' });
 * await grantMembership({ store, scope, account: 'bob', role: 'editor', by: 'alice' });
 */
export async function grantMembership(options: GrantMembershipOptions): Promise<MembershipChange> {
  const { store, scope, account, role, by } = options;
  checkIds(options);
  if (!isRole(role)) throw new ServerError('BAD_REQUEST', 'role must be owner, editor or viewer');
  if (scope === account) {
    throw new ServerError('BAD_REQUEST', 'an account already owns its personal scope');
  }
  return spacesTransaction(store, async (tx) => {
    await lockScope(tx, scope, by, by === undefined && role === 'owner' ? account : null);
    return setMembership(tx, scope, account, role);
  });
}

/**
 * Removes `account` from `scope`. Every device of the account removes the scope's records on
 * its next pull (a device offline now does on its next one), locally only; its pending writes
 * into the scope are dropped and reported as `SCOPE_REVOKED`. Returns null when it was no
 * member. An owner may remove itself only while another owner remains (`BAD_REQUEST`).
 *
 * @example
 * await revokeMembership({ store, scope, account: 'bob', by: 'alice' });
 */
export async function revokeMembership(options: MembershipOptions): Promise<MembershipChange> {
  const { store, scope, account, by } = options;
  checkIds(options);
  return spacesTransaction(store, async (tx) => {
    await lockScope(tx, scope, by, null);
    const members = await readMembers(tx, scope);
    const current = members.find((m) => m.account === account);
    if (!current) return null;
    const owners = members.filter((m) => m.role === 'owner');
    if (by !== undefined && current.role === 'owner' && owners.length === 1) {
      throw new ServerError('BAD_REQUEST', 'a shared scope keeps at least one owner');
    }
    const seq = (await lockAccount(tx, account)) + 1;
    await tx.query('DELETE FROM swsync_members WHERE scope = $1 AND account = $2', [
      scope,
      account,
    ]);
    await appendAccountLog(tx, account, { seq, scope, kind: 'revoke', role: null });
    return 'revoke';
  });
}

/**
 * The members of `scope` with their roles, sorted by account. With `by`, only a member may
 * ask (else `FORBIDDEN`). A personal scope has no rows: its account owns it implicitly.
 *
 * @example
 * await listMembers({ store, scope }); // [{ account: 'alice', role: 'owner' }, ...]
 */
export async function listMembers(options: {
  store: SyncStore;
  scope: string;
  by?: string;
}): Promise<Member[]> {
  checkId(options.scope, 'scope');
  if (options.by !== undefined) checkId(options.by, 'by');
  return spacesTransaction(options.store, async (tx) => {
    const members = await readMembers(tx, options.scope);
    if (options.by !== undefined && !members.some((m) => m.account === options.by)) {
      throw new ServerError('FORBIDDEN', 'only members of the scope may list its members');
    }
    return members;
  });
}

/** Inserts or updates one membership and logs it; the scope row is already locked. */
export async function setMembership(
  tx: SqlClient,
  scope: string,
  account: string,
  role: Role,
): Promise<MembershipChange> {
  const existing = await tx.query<{ role: Role }>(
    'SELECT role FROM swsync_members WHERE scope = $1 AND account = $2',
    [scope, account],
  );
  const previous = existing[0]?.role;
  if (previous === role) return null;
  const seq = (await lockAccount(tx, account)) + 1;
  const kind = previous === undefined ? 'grant' : 'role';
  await tx.query(
    `INSERT INTO swsync_members (scope, account, role, grant_seq) VALUES ($1, $2, $3, $4)
     ON CONFLICT (scope, account) DO UPDATE SET role = excluded.role`,
    [scope, account, role, seq],
  );
  await appendAccountLog(tx, account, { seq, scope, kind, role });
  return kind;
}

async function readMembers(tx: SqlClient, scope: string): Promise<Member[]> {
  return tx.query<Member>(
    'SELECT account, role FROM swsync_members WHERE scope = $1 ORDER BY account',
    [scope],
  );
}

/**
 * Locks the scope's counter row, which orders membership changes after the scope's commits in
 * flight. With `by`: the scope must be shared (have an owner) and `by` one of its owners.
 * Without: the scope is created when new, with `owner` as its owner account.
 */
async function lockScope(
  tx: SqlClient,
  scope: string,
  by: string | undefined,
  owner: string | null,
): Promise<void> {
  if (by === undefined) {
    await tx.query(
      `INSERT INTO swsync_scopes (scope, owner) VALUES ($1, $2)
       ON CONFLICT (scope) DO UPDATE SET owner = coalesce(swsync_scopes.owner, excluded.owner)`,
      [scope, owner],
    );
    return;
  }
  const rows = await tx.query<{ owner: string | null }>(
    'SELECT owner FROM swsync_scopes WHERE scope = $1 FOR UPDATE',
    [scope],
  );
  if (!rows[0] || rows[0].owner === null)
    throw new ServerError('NOT_FOUND', 'no such shared scope');
  const role = await tx.query<{ role: Role }>(
    'SELECT role FROM swsync_members WHERE scope = $1 AND account = $2',
    [scope, by],
  );
  if (role[0]?.role !== 'owner') {
    throw new ServerError('FORBIDDEN', 'only an owner of the scope may change its members');
  }
}

function checkIds(options: MembershipOptions): void {
  checkId(options.scope, 'scope');
  checkId(options.account, 'account');
  if (options.by !== undefined) checkId(options.by, 'by');
}
