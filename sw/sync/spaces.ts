import type { IDBPTransaction } from 'idb';
import type { KeyValue, Rejection, Schema, SpaceRole, SpacesPullResponse } from 'swsync/schema';
import {
  type BaseRow,
  META_KEYS,
  type OutboxRow,
  refId,
  type ScopeSyncRow,
  STORES,
  type VersionRow,
} from '../store/layout.ts';
import type { LocalDb } from '../store/open.ts';
import { addChange, type ChangedKeys } from './context.ts';
import type { WriteTx } from './replay.ts';

type Row = Record<string, unknown>;
type Roles = Record<string, SpaceRole>;

/** Where a record sits: its own scope when the server told it, else its parent. */
interface Placement {
  scopes: Map<string, string>;
  parents: Map<string, string>;
}

function placementOf(schema: Schema): Placement & { noteParent(model: string, r: unknown): void } {
  const scopes = new Map<string, string>();
  const parents = new Map<string, string>();
  const noteParent = (model: string, record: unknown) => {
    const def = schema.getModel(model);
    if (def?.ownership.kind !== 'child' || typeof record !== 'object' || record === null) return;
    const row = record as Row;
    const key = row[def.key];
    const parentKey = row[def.ownership.parentField];
    if (key === undefined || parentKey === undefined) return;
    const id = refId(model, key);
    if (!parents.has(id)) parents.set(id, refId(def.ownership.parentModel, parentKey));
  };
  return { scopes, parents, noteParent };
}

/**
 * A record's scope: the one the server last gave it, else its parent's (a child created here
 * and not pulled back yet lives where its parent does), up the chain; undefined for a root the
 * server has not placed (the personal scope, or not pushed yet).
 */
function scopeIn(placement: Placement, id: string): string | undefined {
  // Bounded: ownership chains have no cycles, but local data might; 64 levels is plenty.
  let at: string | undefined = id;
  for (let depth = 0; at !== undefined && depth < 64; depth++) {
    const scope = placement.scopes.get(at);
    if (scope !== undefined) return scope;
    at = placement.parents.get(at);
  }
  return undefined;
}

/** The rejection reported for a pending write into a scope the account lost. */
const REVOKED_ERROR = {
  type: 'SCOPE_REVOKED',
  message: 'access to this shared space was removed; the change was dropped',
  retryable: false,
} as const;

/** What the local database holds that a revocation looks at, read in one transaction. */
interface LocalState {
  versionRows: VersionRow[];
  baseRows: BaseRow[];
  outboxRows: OutboxRow[];
  recordsByModel: Row[][];
}

/** A transaction of either mode over the model stores, `versions`, `base` and `outbox`. */
type ReadTx = IDBPTransaction<unknown, string[], 'readonly'> | WriteTx;

async function readLocalState(tx: ReadTx, schema: Schema): Promise<LocalState> {
  const [versionRows, baseRows, outboxRows, ...recordsByModel] = (await Promise.all([
    tx.objectStore(STORES.versions).getAll(),
    tx.objectStore(STORES.base).getAll(),
    tx.objectStore(STORES.outbox).getAll(),
    ...schema.modelNames.map((model) => tx.objectStore(model).getAll()),
  ])) as [VersionRow[], BaseRow[], OutboxRow[], ...Row[][]];
  return { versionRows, baseRows, outboxRows, recordsByModel };
}

interface Lost {
  /** Every record of the lost scopes (by {@link refId}); `local`: it has a model-store row. */
  records: Map<string, { model: string; key: KeyValue; local: boolean }>;
  /** The pending outbox rows writing into them, in outbox order. */
  pending: OutboxRow[];
}

/** The records of the `lost` scopes and their pending rows. */
function lostIn(schema: Schema, lost: ReadonlySet<string>, state: LocalState): Lost {
  const placement = placementOf(schema);
  const known = new Map<string, { model: string; key: KeyValue; local: boolean }>();
  const note = (model: string, key: KeyValue, local = false) => {
    const id = refId(model, key);
    const seen = known.get(id);
    if (!seen) known.set(id, { model, key, local });
    else if (local) seen.local = true;
  };
  for (const row of state.versionRows) {
    if (row.scope !== undefined) placement.scopes.set(refId(row.model, row.key), row.scope);
    note(row.model, row.key);
  }
  for (const [i, model] of schema.modelNames.entries()) {
    const keyField = schema.getModel(model)!.key;
    for (const record of state.recordsByModel[i]!) {
      placement.noteParent(model, record);
      note(model, record[keyField] as KeyValue, true);
    }
  }
  for (const row of state.baseRows) {
    placement.noteParent(row.model, row.record);
    note(row.model, row.key);
  }
  for (const row of state.outboxRows) {
    if (row.event.operation === 'create') placement.noteParent(row.model, row.event.payload);
    note(row.model, row.key);
  }
  const records = new Map<string, { model: string; key: KeyValue; local: boolean }>();
  for (const [id, record] of known) {
    const scope = scopeIn(placement, id);
    if (scope !== undefined && lost.has(scope)) records.set(id, record);
  }
  const pending = state.outboxRows.filter((row) => records.has(refId(row.model, row.key)));
  return { records, pending };
}

/**
 * The pending outbox rows writing into the `revoked` scopes that may have reached the server
 * (at or below `meta[sentThrough]`), in outbox order, read in one read-only transaction. The
 * others were never sent. Empty without revocations.
 */
export async function sentInScopes(
  db: LocalDb,
  schema: Schema,
  revoked: readonly string[],
): Promise<OutboxRow[]> {
  if (revoked.length === 0) return [];
  const stores = [...schema.modelNames, STORES.versions, STORES.base, STORES.outbox, STORES.meta];
  const tx = db.transaction(stores, 'readonly');
  const [state, sentThrough] = await Promise.all([
    readLocalState(tx, schema),
    tx.objectStore(STORES.meta).get(META_KEYS.sentThrough) as Promise<number | undefined>,
  ]);
  await tx.done;
  if (sentThrough === undefined) return [];
  const { pending } = lostIn(schema, new Set(revoked), state);
  return pending.filter((row) => row.seq! <= sentThrough);
}

/**
 * Removes every local trace of the scopes the account lost: records, `versions` and `base`
 * rows, locally only (no outbox event). Their pending outbox events are dropped, never pushed
 * again: those whose id is in `applied` (the server said it applied them, see
 * `appliedBeforeRevocation`) silently, every other one returned as a `SCOPE_REVOKED`
 * rejection. Reads every local record once: revocations are rare, and records created here
 * carry no scope of their own (only their parent chain does).
 */
export async function removeRevokedScopes(
  tx: WriteTx,
  schema: Schema,
  revoked: readonly string[],
  changes: ChangedKeys,
  applied: ReadonlySet<string> = new Set(),
): Promise<Rejection[]> {
  if (revoked.length === 0) return [];
  const lost = lostIn(schema, new Set(revoked), await readLocalState(tx, schema));
  const writes: Promise<unknown>[] = [];
  for (const { model, key, local } of lost.records.values()) {
    if (schema.getModel(model)) writes.push(tx.objectStore(model).delete(key));
    writes.push(tx.objectStore(STORES.base).delete([model, key]));
    writes.push(tx.objectStore(STORES.versions).delete([model, key]));
    if (local) addChange(changes, model, key);
  }
  const rejections: Rejection[] = [];
  for (const row of lost.pending) {
    writes.push(tx.objectStore(STORES.outbox).delete(row.seq!));
    if (!applied.has(row.event.id))
      rejections.push({ event: row.event, error: { ...REVOKED_ERROR } });
  }
  await Promise.all(writes);
  return rejections;
}

/**
 * Applies a page's revocations and roles to `meta[roles]`. Returns the roles before the page
 * (without the revoked scopes) and the new ones, or `next: null` when nothing changed.
 */
export async function updateRoles(
  tx: WriteTx,
  page: Pick<SpacesPullResponse, 'revokedScopes' | 'roles'>,
): Promise<{ before: Roles; next: Roles | null }> {
  const meta = tx.objectStore(STORES.meta);
  const stored = ((await meta.get(META_KEYS.roles)) as Roles | undefined) ?? {};
  const before = { ...stored };
  for (const scope of page.revokedScopes) delete before[scope];
  const next = { ...before, ...page.roles };
  if (JSON.stringify(next) === JSON.stringify(stored)) return { before, next: null };
  await meta.put(next, META_KEYS.roles);
  return { before, next };
}

/**
 * Progress of scopes pulled from their start after the first sync (a newly granted scope):
 * records of theirs new to this device received so far, or null when there are none (the
 * owner's own board arriving under its new shared scope is no sync to show). A scope counts
 * from the page that first names its role until `syncingScopes` no longer lists it. Call it
 * before the page's entries are applied: it tells new records by their missing `versions` row
 * and record.
 */
export async function scopeSyncProgress(
  tx: WriteTx,
  known: Roles,
  page: Pick<SpacesPullResponse, 'roles' | 'syncingScopes'>,
  entries: readonly { log: { model: string; scope?: string }; key: KeyValue }[],
): Promise<number | null> {
  const meta = tx.objectStore(STORES.meta);
  const row = (await meta.get(META_KEYS.scopeSync)) as ScopeSyncRow | undefined;
  const counting = new Set(row?.scopes ?? []);
  for (const scope of Object.keys(page.roles)) if (!(scope in known)) counting.add(scope);
  if (counting.size === 0) return null;
  const versions = tx.objectStore(STORES.versions);
  const counted = entries.filter(({ log }) => log.scope !== undefined && counting.has(log.scope));
  // A record a first sync stored holds no `versions` row (last-writer-wins, see pull.ts): the
  // record itself says the device has it.
  const held = await Promise.all(
    counted.map(async ({ log, key }) => {
      const version = versions.get([log.model, key]);
      const record = tx.objectStore(log.model).get(key);
      return (await version) !== undefined || (await record) !== undefined;
    }),
  );
  const received = (row?.received ?? 0) + held.filter((h) => !h).length;
  if (page.syncingScopes.length > 0) {
    const next: ScopeSyncRow = { scopes: page.syncingScopes, received };
    await meta.put(next, META_KEYS.scopeSync);
  } else if (row) await meta.delete(META_KEYS.scopeSync);
  return received > 0 ? received : null;
}

/** The stored roles (scope → role) of a database. */
export async function storedRoles(db: LocalDb): Promise<Roles> {
  return ((await db.get(STORES.meta, META_KEYS.roles)) as Roles | undefined) ?? {};
}

/**
 * The scope a local record lives in (see {@link scopeIn}); null when the server has not
 * placed it or its root (the personal scope, or not pushed yet).
 */
export async function scopeOfRecord(
  db: LocalDb,
  schema: Schema,
  model: string,
  key: KeyValue,
): Promise<string | null> {
  let at: { model: string; key: KeyValue } | null = { model, key };
  for (let depth = 0; at !== null && depth < 64; depth++) {
    const row = (await db.get(STORES.versions, [at.model, at.key])) as VersionRow | undefined;
    if (row?.scope !== undefined) return row.scope;
    const def = schema.getModel(at.model);
    if (def?.ownership.kind !== 'child') return null;
    const record = ((await db.get(at.model, at.key)) ??
      ((await db.get(STORES.base, [at.model, at.key])) as BaseRow | undefined)?.record) as
      | Row
      | null
      | undefined;
    const parentKey = record?.[def.ownership.parentField] as KeyValue | undefined;
    at = parentKey === undefined ? null : { model: def.ownership.parentModel, key: parentKey };
  }
  return null;
}
