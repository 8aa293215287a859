import type { SqlClient, SyncStore } from './types.ts';

/**
 * The store's tables, one entry per version. Applied in order, each at most once, recorded in
 * `swsync_migrations`. Never edit a shipped entry: append a new one.
 *
 * - `swsync_scopes`: one row per scope. `seq` is the scope's changelog counter; its row lock,
 *   taken first by every push transaction of the scope, orders writers by commit, so a pull's
 *   range scan over `seq` never skips a late commit. `purged_seq` is the highest tombstone seq
 *   removed by the retention purge: a cursor below it has expired.
 * - `swsync_records`: the compacted changelog. One row per (model, key) across all scopes: the
 *   current record (or a tombstone, `record IS NULL`) and the seq of its latest change.
 *   Purged tombstones keep their row (`purged`) so a key stays bound to its scope forever.
 * - `swsync_events`: idempotency, (scope, event id) → the first result of an applied event.
 * - `swsync_server_writes`: the same for server-side writes, keyed by their `idempotencyKey`.
 * - `swsync_members`: who may read and write a shared scope, with a role. An account is the
 *   implicit owner of its personal scope (scope = its id) and has no row there. `grant_seq` is
 *   the account-log seq of the grant: a revoked-then-granted-again membership is a new one.
 * - `swsync_accounts`: one row per account with members, `seq` its account-log counter; its row
 *   lock orders membership changes of the account the way a scope's row orders its commits.
 * - `swsync_account_log`: each account's grants, role changes and revocations, in `seq` order,
 *   so a device offline at the time learns them on its next pull.
 *
 * - `swsync_outboxes` (version 5): outbox counters, one row per (owner, outbox id): the highest
 *   `outboxSeq` processed and the results kept for replays (docs/protocol.md, "Outbox
 *   counters"). `owner` is the ledger's namespace (the pushing account).
 *
 * Since version 4 the `scope` column of the two idempotency tables holds the ledger's namespace:
 * the pushing account for client pushes without a custom `scopeKey` (the scope itself before,
 * which was the same value), so an event is still recognised after its record moved to a
 * shared scope.
 */
export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE swsync_scopes (
  scope text PRIMARY KEY,
  seq bigint NOT NULL DEFAULT 0,
  purged_seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE swsync_records (
  model text NOT NULL,
  key text NOT NULL,
  scope text NOT NULL,
  seq bigint NOT NULL,
  version integer NOT NULL,
  operation text NOT NULL,
  record jsonb,
  parent_model text,
  parent_key text,
  event_id text,
  client_id text,
  changed_at timestamptz NOT NULL DEFAULT now(),
  purged boolean NOT NULL DEFAULT false,
  PRIMARY KEY (model, key)
);
CREATE INDEX swsync_records_scope_seq ON swsync_records (scope, seq) WHERE NOT purged;
CREATE INDEX swsync_records_parent ON swsync_records (parent_model, parent_key)
  WHERE record IS NOT NULL;
CREATE INDEX swsync_records_tombstones ON swsync_records (changed_at)
  WHERE record IS NULL AND NOT purged;
CREATE TABLE swsync_events (
  scope text NOT NULL,
  event_id text NOT NULL,
  seq bigint,
  version integer,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, event_id)
);
`,
  },
  {
    // The cutoff of the last tombstone purge: a full pull that started after it cannot have
    // seen any record whose tombstone was purged, so its mid-pull cursors do not expire.
    version: 2,
    sql: 'ALTER TABLE swsync_scopes ADD COLUMN purged_before timestamptz',
  },
  {
    // Idempotency of server-side writes: (scope, idempotencyKey) → the first result, apart
    // from client event ids so that neither can shadow the other.
    version: 3,
    sql: `
CREATE TABLE swsync_server_writes (
  scope text NOT NULL,
  event_id text NOT NULL,
  seq bigint,
  version integer,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, event_id)
)`,
  },
  {
    // Shared spaces (issue #9). `owner` is the account that created a shared scope: the value
    // its root records keep in their scope field (null for personal scopes).
    version: 4,
    sql: `
ALTER TABLE swsync_scopes ADD COLUMN owner text;
CREATE TABLE swsync_accounts (
  account text PRIMARY KEY,
  seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE swsync_members (
  scope text NOT NULL,
  account text NOT NULL,
  role text NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
  grant_seq bigint NOT NULL,
  PRIMARY KEY (scope, account)
);
CREATE INDEX swsync_members_account ON swsync_members (account);
CREATE TABLE swsync_account_log (
  account text NOT NULL,
  seq bigint NOT NULL,
  scope text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('grant', 'role', 'revoke')),
  role text,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account, seq)
)`,
  },
  {
    // Outbox counters (issue #11): one row per client outbox instead of one per event. An
    // existing database only gains the table: clients without counters keep `swsync_events`.
    // `results`: [outboxSeq, changelog seq | null, version | null] for an applied event,
    // [outboxSeq, error type, message, 0 | 1 (the rejection carried the record)] for a refused one.
    version: 5,
    sql: `
CREATE TABLE swsync_outboxes (
  owner text NOT NULL,
  outbox_id text NOT NULL,
  last_seq bigint NOT NULL DEFAULT 0,
  results jsonb NOT NULL DEFAULT '[]',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, outbox_id)
)`,
  },
];

/** Arbitrary constant: the advisory lock key every swsync instance takes to migrate. */
const MIGRATION_LOCK_KEY = 7_311_955_021;

/**
 * Brings the database up to the latest version. Safe when several instances start at once
 * against one PostgreSQL: the transaction-scoped advisory lock makes them migrate one after the
 * other, and the later ones find nothing left to do.
 */
export async function migrate(store: Pick<SyncStore, 'transaction'>): Promise<void> {
  await store.transaction(async (tx: SqlClient) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS swsync_migrations (
         version integer PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const rows = await tx.query<{ version: number }>('SELECT version FROM swsync_migrations');
    const applied = new Set(rows.map((row) => Number(row.version)));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO swsync_migrations (version) VALUES ($1)', [migration.version]);
    }
  });
}

/**
 * Migrates a store just opened (through `migrator`, by default the store itself); closes it if
 * that fails, so a failed open leaks no connection.
 */
export async function migrateOrClose(
  store: SyncStore,
  migrator: Pick<SyncStore, 'transaction'> = store,
): Promise<SyncStore> {
  try {
    await migrate(migrator);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Extended-protocol queries take one statement each; migrations hold no `;` inside literals. */
function splitStatements(sql: string): string[] {
  return sql
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
