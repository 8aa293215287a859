import type { SyncStore } from 'swsync/server';

/**
 * One board and `records - 1` todos of ~300 bytes in `user`'s personal scope (seqs 1..records),
 * generated inside the database into the store's tables, as the push route would have left
 * them (one changelog entry each): seeding 100k records through pushes would take longer than
 * the benchmark. No ledger rows: nothing here reads them.
 *
 * @example
 * await seedScope(store, 'bench-pull', 100_000);
 */
export async function seedScope(store: SyncStore, user: string, records: number): Promise<void> {
  const at = new Date().toISOString();
  const board = `${user}-board`;
  await store.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO swsync_scopes (scope, seq) VALUES ($1, $2)
       ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq`,
      [user, records],
    );
    await tx.query(
      `INSERT INTO swsync_records (model, key, scope, seq, version, operation, record,
                                   parent_model, parent_key, event_id, client_id)
       VALUES ('Board', $1, $2, 1, 1, 'create', $3::text::jsonb, NULL, NULL, NULL, NULL)`,
      [JSON.stringify(board), user, { id: board, name: 'bench', userId: user, createdAt: at }],
    );
  });
  // Chunks of their own transactions: a million rows in one would outlast the store's deadline.
  for (let from = 2; from <= records; from += CHUNK) {
    await store.query(
      `INSERT INTO swsync_records (model, key, scope, seq, version, operation, record,
                                   parent_model, parent_key, event_id, client_id)
       SELECT 'Todo', to_jsonb(id)::text, $1, n, 1, 'create',
              jsonb_build_object('id', id, 'boardId', $2::text,
                'title', 'todo ' || n || ', ' || repeat('x', 120), 'done', n % 3 = 0,
                'createdAt', $3::text, 'updatedAt', $3::text),
              'Board', $4, gen_random_uuid()::text, 'bench-seed-client'
         FROM generate_series($5::int, $6::int) AS n, LATERAL (SELECT 'todo-' || n AS id) AS t`,
      [user, board, at, JSON.stringify(board), from, Math.min(from + CHUNK - 1, records)],
    );
  }
}

const CHUNK = 100_000;
