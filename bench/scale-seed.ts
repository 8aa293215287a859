import postgres from 'postgres';

/**
 * The shape of a seeded server: `rows` records (one board per scope, the rest todos) spread
 * evenly over `scopes`; the first `shared` scopes are shared ones (an owner account each, and
 * the members of {@link SCALE_MEMBERS}), the others personal scopes of accounts of the same name.
 */
export interface ScaleShape {
  rows: number;
  scopes: number;
  shared: number;
}

/** Accounts that are members of the first `count` shared scopes (capped at `shared`). */
export const SCALE_MEMBERS = [
  { account: 'member-few', count: 10 },
  { account: 'member-many', count: 1000 },
] as const;

/** The name of scope `i`, as {@link seedScale} writes it. */
export const scaleScope = (shape: ScaleShape, i: number) =>
  i < shape.shared ? `s:scale-${i}` : `scale-${i}`;

/** Todos per scope (every scope also holds its board, `board-<i>`). */
export const todosPerScope = (shape: ScaleShape) => shape.rows / shape.scopes - 1;

/** The server's tables that grow with the data: their indexes are built after the load. */
const BIG_TABLES = ['swsync_records', 'swsync_events'];
const CHUNK = 1_000_000;

// SQL expressions over a generated todo number `n` (scope `n % S`, the `n / S`th of its scope)
// and scope number `i`. The keys and event ids are md5-based UUIDs: random over the key space
// like the UUIDs clients make, and computable again by the benchmark to update a seeded todo.
const scopeOf = (i: string, shape: ScaleShape) =>
  `(CASE WHEN ${i} < ${shape.shared} THEN 's:scale-' ELSE 'scale-' END || ${i})`;
const accountOf = (i: string, shape: ScaleShape) =>
  `(CASE WHEN ${i} < ${shape.shared} THEN 'owner-' ELSE 'scale-' END || ${i})`;
const AT = `'2026-11-30T10:00:00.000Z'`;

/**
 * Fills the swsync tables of the (migrated, empty) database at `url` with `shape`, inside
 * PostgreSQL: every row comes from `generate_series`, as the push route would have left it
 * (records at increasing seqs per scope, one ledger row per record, scope counters at their
 * head, memberships with their account log). Rows are written interleaved across scopes, as
 * years of pushes from many clients would lay them out in the heap.
 *
 * The indexes of the big tables are read from the catalog, dropped, and created again with
 * the same definitions after the load (much faster than inserting 10M random keys into a
 * B-tree; the result is a freshly built index, denser than one grown by inserts). Two
 * connections share the work; then VACUUM ANALYZE, as autovacuum would have done.
 */
export async function seedScale(
  url: string,
  shape: ScaleShape,
  log: (line: string) => void = () => {},
): Promise<void> {
  if (shape.rows % shape.scopes !== 0) throw new Error('rows must be a multiple of scopes');
  const lanes = [0, 1].map(() => postgres(url, { max: 1, onnotice: () => {} }));
  const todos = shape.rows - shape.scopes;
  try {
    for (const sql of lanes) {
      await sql.unsafe(`SET maintenance_work_mem = '1GB'; SET synchronous_commit = off;
        SET max_parallel_maintenance_workers = 0`);
    }
    const rebuild = await dropBigIndexes(lanes[0]!);
    await lanes[0]!.unsafe(smallTables(shape));
    const inserts: string[] = [];
    for (let from = 0; from < todos; from += CHUNK) {
      const to = Math.min(from + CHUNK, todos) - 1;
      inserts.push(
        `INSERT INTO swsync_records (model, key, scope, seq, version, operation, record,
                                     parent_model, parent_key, event_id, client_id)
         SELECT 'Todo', to_jsonb(id)::text, ${scopeOf('i', shape)}, n / ${shape.scopes} + 2, 1,
                'create',
                jsonb_build_object('id', id, 'boardId', 'board-' || i,
                  'title', 'todo ' || n || ', ' || repeat('x', 120), 'done', n % 3 = 0,
                  'createdAt', ${AT}, 'updatedAt', ${AT}),
                'Board', to_jsonb('board-' || i)::text, md5('e' || n)::uuid::text,
                'client-' || i
           FROM generate_series(${from}, ${to}) AS n,
                LATERAL (SELECT n % ${shape.scopes} AS i, md5('k' || n)::uuid::text AS id) AS k`,
        `INSERT INTO swsync_events (scope, event_id, seq, version)
         SELECT ${accountOf('i', shape)}, md5('e' || n)::uuid::text, n / ${shape.scopes} + 2, 1
           FROM generate_series(${from}, ${to}) AS n, LATERAL (SELECT n % ${shape.scopes} AS i) AS k`,
      );
    }
    let started = performance.now();
    await inParallel(lanes, inserts, log);
    log(`inserted ${shape.rows} records in ${seconds(started)}`);
    started = performance.now();
    await inParallel(lanes, rebuild.build, log);
    await inParallel(lanes, rebuild.constraints, log);
    log(`indexes built in ${seconds(started)}`);
    started = performance.now();
    await inParallel(
      lanes,
      [
        ...BIG_TABLES,
        'swsync_scopes',
        'swsync_members',
        'swsync_account_log',
        'swsync_accounts',
      ].map((t) => `VACUUM (ANALYZE) ${t}`),
      log,
    );
    log(`vacuumed and analyzed in ${seconds(started)}`);
  } finally {
    await Promise.all(lanes.map((sql) => sql.end({ timeout: 5 })));
  }
}

/**
 * The scope counters, one board per scope, the shared scopes' owners and members with their
 * account logs. Small: written with their indexes in place.
 */
function smallTables(shape: ScaleShape): string {
  const head = shape.rows / shape.scopes;
  const members = SCALE_MEMBERS.map(({ account, count }) => ({
    account,
    count: Math.min(count, shape.shared),
  }));
  return [
    `INSERT INTO swsync_scopes (scope, seq, owner)
     SELECT ${scopeOf('i', shape)}, ${head}, CASE WHEN i < ${shape.shared} THEN 'owner-' || i END
       FROM generate_series(0, ${shape.scopes - 1}) AS i`,
    `INSERT INTO swsync_records (model, key, scope, seq, version, operation, record, event_id,
                                 client_id)
     SELECT 'Board', to_jsonb('board-' || i)::text, ${scopeOf('i', shape)}, 1, 1, 'create',
            jsonb_build_object('id', 'board-' || i, 'name', 'board ' || i,
              'userId', ${accountOf('i', shape)}, 'createdAt', ${AT}),
            md5('b' || i)::uuid::text, 'client-' || i
       FROM generate_series(0, ${shape.scopes - 1}) AS i`,
    `INSERT INTO swsync_events (scope, event_id, seq, version)
     SELECT ${accountOf('i', shape)}, md5('b' || i)::uuid::text, 1, 1
       FROM generate_series(0, ${shape.scopes - 1}) AS i`,
    // Each owner's grant is entry 1 of its account log; a member's grants follow the scopes.
    `INSERT INTO swsync_accounts (account, seq)
     SELECT 'owner-' || i, 1 FROM generate_series(0, ${shape.shared - 1}) AS i`,
    `INSERT INTO swsync_members (scope, account, role, grant_seq)
     SELECT ${scopeOf('i', shape)}, 'owner-' || i, 'owner', 1
       FROM generate_series(0, ${shape.shared - 1}) AS i`,
    `INSERT INTO swsync_account_log (account, seq, scope, kind, role)
     SELECT 'owner-' || i, 1, ${scopeOf('i', shape)}, 'grant', 'owner'
       FROM generate_series(0, ${shape.shared - 1}) AS i`,
    ...members.flatMap(({ account, count }) => [
      `INSERT INTO swsync_accounts (account, seq) VALUES ('${account}', ${count})`,
      `INSERT INTO swsync_members (scope, account, role, grant_seq)
       SELECT ${scopeOf('i', shape)}, '${account}', 'editor', i + 1
         FROM generate_series(0, ${count - 1}) AS i`,
      `INSERT INTO swsync_account_log (account, seq, scope, kind, role)
       SELECT '${account}', i + 1, ${scopeOf('i', shape)}, 'grant', 'editor'
         FROM generate_series(0, ${count - 1}) AS i`,
    ]),
  ].join(';\n');
}

/**
 * Drops the indexes and primary keys of the big tables and returns the statements that create
 * them again: the indexes (primary keys as unique indexes first, so that several build at once
 * on one table), then the constraints on those indexes.
 */
async function dropBigIndexes(
  sql: postgres.Sql,
): Promise<{ build: string[]; constraints: string[] }> {
  const indexes = await sql<{ table: string; name: string; def: string; pkey: string | null }[]>`
    SELECT i.tablename AS table, i.indexname AS name, i.indexdef AS def, c.conname AS pkey
      FROM pg_indexes i
      LEFT JOIN pg_constraint c ON c.conname = i.indexname AND c.contype = 'p'
     WHERE i.schemaname = current_schema() AND i.tablename = ANY(${BIG_TABLES})`;
  const build: string[] = [];
  const constraints: string[] = [];
  for (const index of indexes) {
    if (index.pkey) {
      await sql.unsafe(`ALTER TABLE ${index.table} DROP CONSTRAINT ${index.pkey}`);
      build.push(index.def);
      constraints.push(
        `ALTER TABLE ${index.table} ADD CONSTRAINT ${index.pkey} PRIMARY KEY USING INDEX ${index.name}`,
      );
    } else {
      await sql.unsafe(`DROP INDEX ${index.name}`);
      build.push(index.def);
    }
  }
  return { build, constraints };
}

/** Runs the statements on the lanes, each lane taking the next one when it is free. */
async function inParallel(
  lanes: postgres.Sql[],
  statements: string[],
  log: (line: string) => void,
): Promise<void> {
  const queue = [...statements];
  await Promise.all(
    lanes.map(async (sql) => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const started = performance.now();
        await sql.unsafe(next);
        log(`  ${seconds(started)}: ${next.replace(/\s+/g, ' ').slice(0, 70)}`);
      }
    }),
  );
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
