import type { Subscribable } from '../live/subscribable.ts';

/** What React's `useSyncExternalStore(subscribe, getSnapshot)` takes. */
export interface ExternalStore<T> {
  subscribe(onStoreChange: () => void): () => void;
  getSnapshot(): T | undefined;
}

/**
 * Adapts a live query or `client.status` to React's `useSyncExternalStore`, without a
 * dependency on React. Create it once per query (outside render, or in `useMemo`): a new store
 * per render would resubscribe every time.
 *
 * @example
 * const store = useMemo(() => toExternalStore(client.liveQuery((db) => db.Todo.list())), []);
 * const todos = useSyncExternalStore(store.subscribe, store.getSnapshot) ?? [];
 */
export function toExternalStore<T>(source: Subscribable<T>): ExternalStore<T> {
  return {
    subscribe: (onStoreChange) => source.subscribe(() => onStoreChange()),
    getSnapshot: () => source.getSnapshot(),
  };
}

/** Svelte's store contract: `subscribe(run)` calls `run` at once and on every change. */
export interface Readable<T> {
  subscribe(run: (value: T | undefined) => void): () => void;
}

/**
 * Adapts a live query or `client.status` to a Svelte store (`$todos` in a component).
 *
 * @example
 * const todos = toSvelteStore(client.liveQuery((db) => db.Todo.list()));
 */
export function toSvelteStore<T>(source: Subscribable<T>): Readable<T> {
  return {
    subscribe(run) {
      // Svelte requires a synchronous first call, even before the first value exists.
      if (source.getSnapshot() === undefined) run(undefined);
      return source.subscribe((value) => run(value));
    },
  };
}
