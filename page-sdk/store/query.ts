import type { IndexRange } from './local-reader.ts';

type Bound = IDBValidKey;

/**
 * A query over one indexed field (or the key): equality or a range, an order and a limit.
 * Immutable: every method returns a new query.
 *
 * @example
 * const latest = await client.Todo.where('createdAt').above(since).reverse().limit(20).toArray();
 * const ofBoard = await client.Todo.where('boardId').equals(boardId).toArray();
 */
export interface Query<R, V> {
  equals(value: V): Query<R, V>;
  /** Inclusive by default; pass `{ lowerOpen, upperOpen }` to exclude a bound. */
  between(lower: V, upper: V, open?: { lowerOpen?: boolean; upperOpen?: boolean }): Query<R, V>;
  above(value: V): Query<R, V>;
  aboveOrEqual(value: V): Query<R, V>;
  below(value: V): Query<R, V>;
  belowOrEqual(value: V): Query<R, V>;
  /** Descending order of the field. */
  reverse(): Query<R, V>;
  limit(count: number): Query<R, V>;
  toArray(): Promise<R[]>;
  first(): Promise<R | undefined>;
}

export type RunQuery = (range: IndexRange) => Promise<unknown[]>;

function toKey(value: unknown): Bound {
  // IndexedDB keys cannot be booleans; the engine stores the value as given, so a boolean
  // field simply cannot be an index key range. Fail loudly rather than match nothing.
  if (typeof value === 'boolean') throw new TypeError('booleans are not valid IndexedDB keys');
  return value as Bound;
}

export function createQuery<R, V>(field: string, run: RunQuery, state?: IndexRange): Query<R, V> {
  const current: IndexRange = state ?? {
    field,
    range: undefined,
    direction: 'next',
    limit: undefined,
  };
  const next = (change: Partial<IndexRange>) =>
    createQuery<R, V>(field, run, { ...current, ...change });
  return {
    equals: (value) => next({ range: IDBKeyRange.only(toKey(value)) }),
    between: (lower, upper, open) =>
      next({
        range: IDBKeyRange.bound(toKey(lower), toKey(upper), open?.lowerOpen, open?.upperOpen),
      }),
    above: (value) => next({ range: IDBKeyRange.lowerBound(toKey(value), true) }),
    aboveOrEqual: (value) => next({ range: IDBKeyRange.lowerBound(toKey(value)) }),
    below: (value) => next({ range: IDBKeyRange.upperBound(toKey(value), true) }),
    belowOrEqual: (value) => next({ range: IDBKeyRange.upperBound(toKey(value)) }),
    reverse: () => next({ direction: current.direction === 'next' ? 'prev' : 'next' }),
    limit: (count) => next({ limit: Math.max(0, Math.floor(count)) }),
    toArray: async () => (await run(current)) as R[],
    first: async () => ((await run({ ...current, limit: 1 })) as R[])[0],
  };
}
