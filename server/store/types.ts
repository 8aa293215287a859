/** The one seam between the sync logic and a database driver. */
export interface SqlClient {
  /**
   * Runs one parameterized statement ($1, $2...) and returns its rows. Inside a transaction,
   * statements issued without awaiting the previous ones run in the order they were issued:
   * postgres.js pipelines them on the transaction's connection, PGlite queues them.
   */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

/**
 * A database the server syncs through: PGlite (embedded) or PostgreSQL, one SQL dialect.
 * Stores run their own migrations before `open*` resolves.
 */
export interface SyncStore extends SqlClient {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction on one connection; commits when it resolves, rolls back when it
   * throws. Driver faults surface as the driver's own errors; callers classify them.
   */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  /**
   * LISTEN on `channel`; resolves once listening. The returned function stops listening.
   * `onRestored` runs after the store had to LISTEN again on a new connection (the old one
   * died): notifications sent in between are lost, and the subscriber must catch up.
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onRestored?: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * The NOTIFY channel that carries pokes; payload: JSON `{ "scope": string, "cursor": string }`
 * for a commit of a scope, `{ "account": string, "cursor": string }` for a membership change of
 * an account (its account-log position).
 */
export const POKE_CHANNEL = 'swsync_poke';

export interface PokeNotice {
  scope: string;
  cursor: string;
}
