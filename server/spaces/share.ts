import type { KeyValue } from 'swsync/schema';
import { encodeChangelogId } from '../changelog/cursor.ts';
import { ServerError } from '../errors.ts';
import type { SyncSchema } from '../push/types.ts';
import { POKE_CHANNEL, type SqlClient, type SyncStore } from '../store/types.ts';
import { type MembershipChange, setMembership } from './members.ts';
import { checkId, isRole, type Role, spacesTransaction } from './roles.ts';

export interface ShareRecordOptions {
  store: SyncStore;
  schema: SyncSchema;
  /** A root model (one with a `scope` field), e.g. 'Board'. */
  model: string;
  key: KeyValue;
  /** The account sharing: the record's owner, or an owner of the scope it was shared into. */
  by: string;
  /** Whom to share with; omit to only make the record shared (e.g. before inviting). */
  account?: string;
  /** Default `editor`. */
  role?: Role;
}

export interface ShareRecordResult {
  /** The shared scope the record lives in now, `s:<uuid>` when this call created it. */
  scope: string;
  /** Records moved out of the personal scope by this call (the record and its descendants). */
  moved: number;
  /** What happened to `account`'s membership (null: nothing changed, or no account given). */
  membership: MembershipChange;
}

/**
 * Shares a root record (a board) with another account. The first share moves the record and
 * every live descendant (its todos, their comments...) out of `by`'s personal scope into a new
 * shared scope owned by `by`, in one transaction: each moved record gets a new seq in the new
 * scope and keeps its version and content; the personal scope gets no tombstone. `by`'s
 * devices see the records arrive under the new scope on their next pull (no delete, no
 * flicker). Later shares of the same record only add or change members.
 *
 * Throws `ServerError`: `BAD_REQUEST` (not a root model, bad ids or role, sharing with
 * oneself), `NOT_FOUND` (no such live record), `FORBIDDEN` (`by` is not the record's owner),
 * `UNAVAILABLE` (database fault).
 *
 * @example
 * const { scope } = await shareRecord({
 *   store, schema, model: 'Board', key: 'b1', by: 'alice', account: 'bob', role: 'viewer',
 * });
 */
export async function shareRecord(options: ShareRecordOptions): Promise<ShareRecordResult> {
  const { store, schema, by, account } = options;
  const role = options.role ?? 'editor';
  const model = schema.getModel(options.model);
  if (model?.ownership.kind !== 'root') {
    throw new ServerError('BAD_REQUEST', 'only records of a root model can be shared');
  }
  if (typeof options.key !== 'string' && typeof options.key !== 'number') {
    throw new ServerError('BAD_REQUEST', 'key must be a string or a number');
  }
  checkId(by, 'by');
  if (account !== undefined) checkId(account, 'account');
  if (!isRole(role)) throw new ServerError('BAD_REQUEST', 'role must be owner, editor or viewer');
  if (account === by)
    throw new ServerError('BAD_REQUEST', 'a record cannot be shared with its owner');
  const keyText = JSON.stringify(options.key);

  return spacesTransaction(store, async (tx) => {
    const found = await tx.query<{ scope: string; live: boolean }>(
      'SELECT scope, record IS NOT NULL AS live FROM swsync_records WHERE model = $1 AND key = $2',
      [options.model, keyText],
    );
    const row = found[0];
    if (!row?.live) throw new ServerError('NOT_FOUND', 'no such record');
    let scope = row.scope;
    let moved = 0;
    if (scope === by) {
      scope = `s:${crypto.randomUUID()}`;
      moved = await moveTree(tx, options.model, keyText, by, scope);
      await setMembership(tx, scope, by, 'owner');
    } else {
      // Already shared: lock the scope (ordering this change after its commits in flight),
      // then only an owner may add members.
      const roles = await tx.query<{ role: Role }>(
        `SELECT m.role FROM swsync_scopes s
           JOIN swsync_members m ON m.scope = s.scope AND m.account = $2
          WHERE s.scope = $1 FOR UPDATE OF s`,
        [scope, by],
      );
      if (roles[0]?.role !== 'owner') {
        throw new ServerError('FORBIDDEN', 'only an owner of the record may share it');
      }
    }
    const membership = account === undefined ? null : await setMembership(tx, scope, account, role);
    return { scope, moved, membership };
  });
}

/**
 * Moves a root record and its live descendants from `from` to the new scope `to`, parents
 * before children, numbering them 1..n there; returns n. Both counter rows are locked first
 * (in scope order, as pushes do), so no commit of `from` interleaves with the move.
 */
async function moveTree(
  tx: SqlClient,
  model: string,
  keyText: string,
  from: string,
  to: string,
): Promise<number> {
  await tx.query(
    `INSERT INTO swsync_scopes (scope, owner)
     SELECT s, CASE WHEN s = $2 THEN $3 END
       FROM jsonb_array_elements_text($1::text::jsonb) AS s ORDER BY s
     ON CONFLICT (scope) DO UPDATE SET seq = swsync_scopes.seq`,
    [[from, to].sort(), to, from],
  );
  const rows = await tx.query<{ seq: number | string }>(
    `WITH RECURSIVE tree AS (
       SELECT model, key, 0 AS depth, seq FROM swsync_records
        WHERE model = $1 AND key = $2 AND scope = $3 AND record IS NOT NULL
       UNION ALL
       SELECT r.model, r.key, tree.depth + 1, r.seq
         FROM swsync_records r JOIN tree ON r.parent_model = tree.model AND r.parent_key = tree.key
        WHERE r.record IS NOT NULL AND r.scope = $3
     ), numbered AS (
       SELECT model, key, row_number() OVER (ORDER BY depth, seq) AS seq FROM tree
     )
     UPDATE swsync_records r SET scope = $4, seq = numbered.seq
       FROM numbered WHERE r.model = numbered.model AND r.key = numbered.key
     RETURNING r.seq`,
    [model, keyText, from, to],
  );
  const head = rows.length;
  await tx.query('UPDATE swsync_scopes SET seq = $2 WHERE scope = $1', [to, head]);
  await tx.query('SELECT pg_notify($1, $2)', [
    POKE_CHANNEL,
    JSON.stringify({ scope: to, cursor: encodeChangelogId(head) }),
  ]);
  return head;
}
