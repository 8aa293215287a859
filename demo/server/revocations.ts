import type { SqlClient } from 'swsync/server';

/**
 * Sessions ended by "Sign out", kept in the sync database so every instance sharing it refuses
 * them at once. A row lives until its token would have expired anyway.
 */
export interface Revocations {
  revoke(tokenId: string, expiresAt: number): Promise<void>;
  isRevoked(tokenId: string): Promise<boolean>;
}

/**
 * Creates the table if needed (PGlite and PostgreSQL alike).
 *
 * @example
 * const revocations = await openRevocations(store);
 * await revocations.revoke(claims.tokenId, claims.expiresAt);
 */
export async function openRevocations(db: SqlClient): Promise<Revocations> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS demo_revoked_sessions (
       token_id text PRIMARY KEY,
       expires_at timestamptz NOT NULL
     )`,
  );
  return {
    async revoke(tokenId, expiresAt) {
      await db.query(
        `INSERT INTO demo_revoked_sessions (token_id, expires_at) VALUES ($1, $2)
         ON CONFLICT (token_id) DO NOTHING`,
        [tokenId, new Date(expiresAt).toISOString()],
      );
      // Expired tokens are refused by their own claims: their rows have done their work.
      await db.query('DELETE FROM demo_revoked_sessions WHERE expires_at < now()');
    },
    async isRevoked(tokenId) {
      const rows = await db.query('SELECT 1 FROM demo_revoked_sessions WHERE token_id = $1', [
        tokenId,
      ]);
      return rows.length > 0;
    },
  };
}
