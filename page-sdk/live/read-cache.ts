import type { KeyValue } from 'swsync/schema';
import type { IndexRange } from '../store/local-reader.ts';

/** A change the engine reported; `keys: null` when any record of the model may have changed. */
export interface ModelChange {
  model: string;
  keys: readonly KeyValue[] | null;
}

/** The reads a cache is filled from: the page's own IndexedDB connection. */
export interface CacheSource {
  /**
   * Changes whenever the connection is dropped (an upgrade, a deletion, a close): what was read
   * through an earlier one is read again.
   */
  readonly connection: number;
  get(model: string, key: KeyValue): Promise<unknown>;
  /** The records under `keys`, `undefined` where there is none; one transaction. */
  getMany(model: string, keys: readonly KeyValue[]): Promise<unknown[]>;
  query(model: string, keyField: string, range: IndexRange): Promise<unknown[]>;
}

/**
 * Past this many changed keys since a result was read, reading it again is the cheaper way.
 * A patch reads each changed record (well under a millisecond each); a full read of a result
 * of 10,000 records takes 160–200 ms here (bench/README.md, "A toggle in a big list").
 */
const PATCH_LIMIT = 100;

interface Entry {
  model: string;
  /** The source's connection the read went through. */
  connection: number;
  /** The change count when the read that made `rows` started: later changes are not in it. */
  epoch: number;
  rows: Promise<unknown>;
}

/**
 * The results one live query read in its last run, kept up to date by the changes the engine
 * reports instead of being read again whole. A record read by key is read again when its key
 * changed; an unlimited range (`list()`, `where(…).equals(…)`, `between`, …) drops the changed
 * keys and puts back, in index order, those whose record still lies in the range. Everything
 * else (a `limit`, a change naming no keys, more than {@link PATCH_LIMIT} keys) is read again.
 *
 * Records handed out are frozen: they are shared by every run of the query, so a caller's
 * mutation would otherwise leak into later results. Each run gets arrays of its own.
 *
 * @example
 * const cache = new ReadCache(reader);
 * cache.startRun();
 * const todos = await cache.range('Todo', 'id', { field: 'boardId', range, direction: 'next', limit: undefined });
 * cache.endRun();
 */
export class ReadCache {
  private epoch = 0;
  private changes: (ModelChange & { epoch: number })[] = [];
  private entries = new Map<string, Entry>();
  private used = new Set<string>();
  private running = false;
  /** How many resets so far, and how many there had been when the run under way started. */
  private resets = 0;
  private resetsAtStart = 0;

  constructor(private readonly source: CacheSource) {}

  /** Records a change; the reads it touches are brought up to date when next asked for. */
  note(change: ModelChange): void {
    // Between runs, a change of a model no kept result holds has nothing to bring up to date.
    const held = [...this.entries.values()].some((e) => e.model === change.model);
    if (!this.running && !held) return;
    this.changes.push({ ...change, epoch: ++this.epoch });
  }

  /** Forgets everything: every result is read again (a new connection, a page back from sleep). */
  reset(): void {
    this.resets++;
    this.entries.clear();
    this.changes = [];
  }

  startRun(): void {
    this.running = true;
    this.resetsAtStart = this.resets;
    this.used.clear();
  }

  /** Drops what the run did not read, and the changes no kept result still needs. */
  endRun(): void {
    this.running = false;
    // Reset while it ran (its query unsubscribed): what it read after the reset has missed
    // the changes no listener heard since.
    if (this.resets !== this.resetsAtStart) this.reset();
    for (const sig of this.entries.keys()) if (!this.used.has(sig)) this.entries.delete(sig);
    const oldest = Math.min(...[...this.entries.values()].map((e) => e.epoch));
    this.changes = this.changes.filter((c) => c.epoch > oldest);
  }

  /** A record by key, as `LocalReader.get`. */
  get(model: string, key: KeyValue): Promise<unknown> {
    const text = keyText(key);
    if (text === undefined) return this.source.get(model, key);
    return this.cached(`g ${model} ${text}`, model, async (entry, changed) => {
      if (entry && changed !== null && !changed.has(text)) return entry.rows;
      return frozen(await this.source.get(model, key));
    });
  }

  /** Records in an index range, as `LocalReader.query`. */
  range(model: string, keyField: string, query: IndexRange): Promise<unknown[]> {
    const bound = (key: unknown) => (key === undefined ? '' : keyText(key));
    const bounds = query.range && [
      bound(query.range.lower),
      bound(query.range.upper),
      query.range.lowerOpen,
      query.range.upperOpen,
    ];
    const sig = `r ${model} ${query.field} ${query.direction} ${JSON.stringify(bounds ?? null)}`;
    if (query.limit !== undefined || bounds?.includes(undefined)) {
      return this.source.query(model, keyField, query);
    }
    const rows = this.cached(sig, model, async (entry, changed) => {
      if (!entry || changed === null || changed.size > PATCH_LIMIT) {
        return (await this.source.query(model, keyField, query)).map(frozen);
      }
      const records = await this.source.getMany(model, [...changed.values()]);
      return patchRange((await entry.rows) as unknown[], changed, records, keyField, query);
    });
    return rows.then((r) => (r as unknown[]).slice());
  }

  /**
   * The entry under `sig`, brought up to date by `refresh`: it gets the entry (undefined when
   * none) and the keys changed since it was read, by their text (null: any may have changed).
   */
  private cached(
    sig: string,
    model: string,
    refresh: (entry: Entry | undefined, changed: Map<string, KeyValue> | null) => Promise<unknown>,
  ): Promise<unknown> {
    this.used.add(sig);
    const entry = this.entries.get(sig);
    const changed = entry && changedSince(entry, this.changes, this.source.connection);
    if (entry && changed?.size === 0) return entry.rows;
    // Started now: a change noted from here on is not in what this reads.
    const next: Entry = {
      model,
      connection: this.source.connection,
      epoch: this.epoch,
      rows: refresh(entry, changed ?? null),
    };
    this.entries.set(sig, next);
    next.rows.catch(() => {
      if (this.entries.get(sig) === next) this.entries.delete(sig);
    });
    return next.rows;
  }
}

/**
 * The keys changed since `entry` was read, by their text; null when any may have changed (a
 * change naming no keys, or a read through an earlier connection).
 */
function changedSince(
  entry: Entry,
  changes: readonly (ModelChange & { epoch: number })[],
  connection: number,
): Map<string, KeyValue> | null {
  if (entry.connection !== connection) return null;
  const changed = new Map<string, KeyValue>();
  for (const c of changes) {
    if (c.epoch <= entry.epoch || c.model !== entry.model) continue;
    if (c.keys === null) return null;
    for (const key of c.keys) {
      const text = keyText(key);
      if (text === undefined) return null;
      changed.set(text, key);
    }
  }
  return changed;
}

/** `previous` without the changed keys, and with each changed record the range still holds. */
function patchRange(
  previous: readonly unknown[],
  changed: ReadonlyMap<string, KeyValue>,
  records: readonly unknown[],
  keyField: string,
  query: IndexRange,
): unknown[] {
  const field = (row: unknown) => (row as Record<string, unknown>)[query.field];
  const key = (row: unknown) => (row as Record<string, unknown>)[keyField];
  const sign = query.direction === 'next' ? 1 : -1;
  // Index order, then key order among equal index values; reversed for 'prev'.
  const compare = (a: unknown, b: unknown) =>
    sign * (indexedDB.cmp(field(a), field(b)) || indexedDB.cmp(key(a), key(b)));
  const rows = previous.filter((row) => !changed.has(keyText(key(row) as KeyValue) ?? ''));
  for (const record of records) {
    if (record === undefined || !inRange(field(record), query.range)) continue;
    const row = frozen(record);
    let low = 0;
    let high = rows.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compare(rows[mid], row) < 0) low = mid + 1;
      else high = mid;
    }
    rows.splice(low, 0, row);
  }
  return rows;
}

/** Whether IndexedDB would list a record whose indexed field holds `value` in `range`. */
function inRange(value: unknown, range: IDBKeyRange | undefined): boolean {
  try {
    if (range) return range.includes(value);
    indexedDB.cmp(value, value);
    return true;
  } catch {
    // Not a valid key (missing, a boolean, …): the index has no entry for the record.
    return false;
  }
}

/** A key as text no other key shares; undefined for keys this cache does not handle. */
function keyText(key: unknown): string | undefined {
  if (typeof key === 'number') return `n${key}`;
  if (typeof key === 'string') return `s${JSON.stringify(key)}`;
  if (key instanceof Date) return `d${key.getTime()}`;
  if (Array.isArray(key)) {
    const parts = key.map(keyText);
    return parts.includes(undefined) ? undefined : `[${parts.join(',')}]`;
  }
  return undefined;
}

function frozen<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) frozen(inner);
  return Object.freeze(value);
}
