import type { SqlClient } from 'swsync/server';

/**
 * The demo's accounts: every user id that signed in once, with the name it last signed in
 * with. Sharing refuses an id not listed (the user could not see the board yet), and member
 * lists show these names instead of ids.
 */
export interface Accounts {
  /** Records a sign-in of `userId` as `name` (the name as typed, trimmed). */
  remember(userId: string, name: string): Promise<void>;
  exists(userId: string): Promise<boolean>;
  /** The names of those of `userIds` that signed in once (id → name). */
  namesOf(userIds: readonly string[]): Promise<Map<string, string>>;
}

/**
 * Creates the table if needed (PGlite and PostgreSQL alike).
 *
 * @example
 * const accounts = await openAccounts(store);
 * await accounts.remember(await userIdFor('Alice'), 'Alice');
 * await accounts.exists(await userIdFor('alice')); // true
 */
export async function openAccounts(db: SqlClient): Promise<Accounts> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS demo_accounts (
       user_id text PRIMARY KEY,
       name text NOT NULL
     )`,
  );
  return {
    async remember(userId, name) {
      await db.query(
        `INSERT INTO demo_accounts (user_id, name) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET name = EXCLUDED.name`,
        [userId, name],
      );
    },
    async exists(userId) {
      const rows = await db.query('SELECT 1 FROM demo_accounts WHERE user_id = $1', [userId]);
      return rows.length > 0;
    },
    async namesOf(userIds) {
      if (userIds.length === 0) return new Map();
      const rows = await db.query<{ user_id: string; name: string }>(
        `SELECT user_id, name FROM demo_accounts
          WHERE user_id IN (SELECT jsonb_array_elements_text($1::text::jsonb))`,
        [JSON.stringify(userIds)],
      );
      return new Map(rows.map((r) => [r.user_id, r.name]));
    },
  };
}
