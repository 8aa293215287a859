import type { SqlClient } from '../store/types.ts';
import type { SyncSchema } from './types.ts';

/** A row of `swsync_records` as the push logic sees it. */
export interface RecordRow {
  model: string;
  /** JSON text of the key value. */
  key: string;
  scope: string;
  seq: number;
  version: number;
  operation: 'create' | 'update' | 'delete';
  /** null: a tombstone. */
  record: Record<string, unknown> | null;
  parentModel: string | null;
  parentKey: string | null;
  eventId: string | null;
  clientId: string | null;
}

export interface RecordRef {
  model: string;
  key: string;
}

// Length-prefixed, so no two (model, key) pairs share an id; cheaper than JSON.stringify.
const refId = (model: string, key: string) => `${model.length}:${model}${key}`;

const COLUMNS = `r.model, r.key, r.scope, r.seq, r.version, r.operation, r.record,
  r.parent_model, r.parent_key, r.event_id, r.client_id`;

interface DbRow {
  model: string;
  key: string;
  scope: string;
  seq: number | string;
  version: number | string;
  operation: RecordRow['operation'];
  record: Record<string, unknown> | null;
  parent_model: string | null;
  parent_key: string | null;
  event_id: string | null;
  client_id: string | null;
}

function fromDb(row: DbRow): RecordRow {
  return {
    model: row.model,
    key: row.key,
    scope: row.scope,
    seq: Number(row.seq),
    version: Number(row.version),
    operation: row.operation,
    record: row.record,
    parentModel: row.parent_model,
    parentKey: row.parent_key,
    eventId: row.event_id,
    clientId: row.client_id,
  };
}

/**
 * The records one batch reads and writes, with an index from each parent to its live children
 * so cascades find children in memory, including those created or moved earlier in the batch.
 */
export class BatchState {
  readonly #rows = new Map<string, RecordRow>();
  readonly #children = new Map<string, Set<string>>();
  /** Refs whose row changed in this batch, in first-change order. */
  readonly #changed = new Set<string>();

  get(model: string, key: string): RecordRow | undefined {
    return this.#rows.get(refId(model, key));
  }

  /** Adds a row read from the database, unless the batch already holds that record. */
  load(row: RecordRow): void {
    if (this.#rows.has(refId(row.model, row.key))) return;
    this.#put(row);
  }

  /** Replaces a record's row with its new state and marks it changed. */
  set(row: RecordRow): void {
    this.#put(row);
    this.#changed.add(refId(row.model, row.key));
  }

  /** Live children of a record, across all child models. */
  childrenOf(model: string, key: string): RecordRow[] {
    const ids = this.#children.get(refId(model, key));
    if (!ids) return [];
    const rows: RecordRow[] = [];
    for (const id of ids) {
      const row = this.#rows.get(id);
      if (row?.record) rows.push(row);
    }
    return rows;
  }

  changedRows(): RecordRow[] {
    return [...this.#changed].map((id) => this.#rows.get(id)!);
  }

  #put(row: RecordRow): void {
    const id = refId(row.model, row.key);
    const previous = this.#rows.get(id);
    if (previous?.parentModel && previous.parentKey) {
      this.#children.get(refId(previous.parentModel, previous.parentKey))?.delete(id);
    }
    this.#rows.set(id, row);
    if (row.record && row.parentModel && row.parentKey) {
      const parent = refId(row.parentModel, row.parentKey);
      let set = this.#children.get(parent);
      if (!set) {
        set = new Set();
        this.#children.set(parent, set);
      }
      set.add(id);
    }
  }
}

/**
 * One statement: the rows of all given records (missing ones are simply absent). The LIMIT
 * keeps the lookup a primary-key probe per ref: as a plain join, PostgreSQL plans a hash join
 * over a full scan whenever its statistics say the table is small, which they do for a while
 * after every burst of inserts.
 */
export async function readRecords(tx: SqlClient, refs: readonly RecordRef[]): Promise<RecordRow[]> {
  if (refs.length === 0) return [];
  const rows = await tx.query<DbRow>(
    `SELECT ${COLUMNS}
       FROM jsonb_to_recordset($1::text::jsonb) AS k(model text, key text)
       CROSS JOIN LATERAL (SELECT * FROM swsync_records r
                            WHERE r.model = k.model AND r.key = k.key LIMIT 1) AS r`,
    [refs],
  );
  return rows.map(fromDb);
}

/** One statement: the scopes holding any of the given records (only their names travel). */
export async function readScopes(tx: SqlClient, refs: readonly RecordRef[]): Promise<string[]> {
  if (refs.length === 0) return [];
  const rows = await tx.query<{ scope: string }>(
    `SELECT DISTINCT r.scope
       FROM jsonb_to_recordset($1::text::jsonb) AS k(model text, key text)
       CROSS JOIN LATERAL (SELECT scope FROM swsync_records r
                            WHERE r.model = k.model AND r.key = k.key LIMIT 1) AS r`,
    [refs],
  );
  return rows.map((row) => row.scope);
}

/** One statement per relation level: the live children of all given parents. */
async function readChildren(tx: SqlClient, parents: readonly RecordRef[]): Promise<RecordRow[]> {
  if (parents.length === 0) return [];
  // OFFSET 0 keeps the lookup an index probe per parent (see readRecords).
  const rows = await tx.query<DbRow>(
    `SELECT ${COLUMNS}
       FROM jsonb_to_recordset($1::text::jsonb) AS p(model text, key text)
       CROSS JOIN LATERAL (SELECT * FROM swsync_records r
                            WHERE r.parent_model = p.model AND r.parent_key = p.key
                              AND r.record IS NOT NULL OFFSET 0) AS r`,
    [parents],
  );
  return rows.map(fromDb);
}

/**
 * Loads every descendant a cascade in this batch could reach: starting from the records the
 * batch deletes or moves, one query per relation level. Records created or moved into a
 * subtree during the batch are already in the state, so the cascade sees them too. Records of
 * models that have no child models are not asked about: they have no descendants.
 */
export async function loadDescendants(
  tx: SqlClient,
  state: BatchState,
  roots: readonly RecordRef[],
  schema: SyncSchema,
  maxDepth: number,
): Promise<void> {
  const visited = new Set<string>();
  const mayHaveChildren = (ref: RecordRef) => schema.childrenOf(ref.model).length > 0;
  let frontier = roots.filter((ref) => {
    const id = refId(ref.model, ref.key);
    if (visited.has(id)) return false;
    visited.add(id);
    return mayHaveChildren(ref);
  });
  for (let depth = 0; depth < maxDepth && frontier.length > 0; depth++) {
    const children = await readChildren(tx, frontier);
    frontier = [];
    for (const child of children) {
      state.load(child);
      const id = refId(child.model, child.key);
      if (visited.has(id)) continue;
      visited.add(id);
      if (mayHaveChildren(child)) frontier.push({ model: child.model, key: child.key });
    }
  }
}
