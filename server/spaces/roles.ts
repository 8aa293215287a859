import { SPACE_ROLES } from 'swsync/schema';
import { databaseUnavailable, ServerError } from '../errors.ts';
import { classifyFault } from '../store/faults.ts';
import type { SqlClient, SyncStore } from '../store/types.ts';

/**
 * What a member may do in a shared scope: `owner` reads, writes and shares; `editor` reads and
 * writes; `viewer` only reads.
 */
export const ROLES = SPACE_ROLES;
export type Role = (typeof SPACE_ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** May this role write records of the scope? */
export const canWrite = (role: Role | undefined) => role === 'owner' || role === 'editor';

/**
 * The caller's role in each of `scopes`: its personal scope (its own id) is implicitly `owner`;
 * a scope where it is no member is absent. One statement.
 */
export async function rolesOf(
  tx: SqlClient,
  account: string,
  scopes: readonly string[],
): Promise<Map<string, Role>> {
  const roles = new Map<string, Role>();
  const shared = scopes.filter((scope) => scope !== account);
  if (shared.length > 0) {
    const rows = await tx.query<{ scope: string; role: Role }>(
      `SELECT scope, role FROM swsync_members
        WHERE account = $1 AND scope IN (SELECT jsonb_array_elements_text($2::text::jsonb))`,
      [account, shared],
    );
    for (const row of rows) roles.set(row.scope, row.role);
  }
  if (scopes.includes(account)) roles.set(account, 'owner');
  return roles;
}

/**
 * Runs `fn` in a transaction; a serialization failure or deadlock is retried (it rolled back),
 * other database faults become `ServerError('UNAVAILABLE')` (503), so callers never see a
 * driver error as a 500.
 */
export async function spacesTransaction<T>(
  store: SyncStore,
  fn: (tx: SqlClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.transaction(fn);
    } catch (error) {
      if (error instanceof ServerError) throw error;
      const kind = classifyFault(error);
      if (kind === 'other') throw error;
      if (kind === 'retry' && attempt < 4) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
        continue;
      }
      throw databaseUnavailable({ reason: kind });
    }
  }
}

/** Throws BAD_REQUEST unless `value` is a string of 1..256 characters. */
export function checkId(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new ServerError('BAD_REQUEST', `${name} must be a string of 1 to 256 characters`);
  }
}

/**
 * Every scope `account` can read: its personal scope first, then its shared ones. One
 * statement; a database fault becomes `UNAVAILABLE`.
 */
export async function scopesOf(store: SqlClient, account: string): Promise<string[]> {
  try {
    const rows = await store.query<{ scope: string }>(
      'SELECT scope FROM swsync_members WHERE account = $1 ORDER BY scope',
      [account],
    );
    return [account, ...rows.map((row) => row.scope)];
  } catch (error) {
    if (classifyFault(error) === 'other') throw error;
    throw databaseUnavailable();
  }
}
