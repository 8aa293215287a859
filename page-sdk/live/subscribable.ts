/**
 * A value that changes over time: a callback subscription (what React's
 * `useSyncExternalStore` and Svelte stores need) and an async iterator.
 */
export interface Subscribable<T> {
  /** Calls `listener` with every new value (and the current one, if any, at once). */
  subscribe(listener: (value: T) => void, onError?: (error: unknown) => void): () => void;
  /** The latest value, or undefined before the first one. */
  getSnapshot(): T | undefined;
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

export interface Source<T> extends Subscribable<T> {
  next(value: T): void;
  error(error: unknown): void;
}

/**
 * The one implementation of {@link Subscribable}. `onActive(true)` when the first listener
 * arrives and `onActive(false)` when the last leaves, so work (a query, a channel) runs only
 * while someone listens.
 *
 * @example
 * const source = createSource<number>();
 * const stop = source.subscribe((n) => console.log(n));
 * source.next(1);
 */
export function createSource<T>(initial?: T, onActive?: (active: boolean) => void): Source<T> {
  let value = initial;
  let has = initial !== undefined;
  const listeners = new Set<{ value: (v: T) => void; error?: (e: unknown) => void }>();

  const subscribe: Subscribable<T>['subscribe'] = (listener, onError) => {
    const entry = { value: listener, ...(onError ? { error: onError } : {}) };
    listeners.add(entry);
    if (listeners.size === 1) onActive?.(true);
    if (has) listener(value as T);
    return () => {
      if (!listeners.delete(entry)) return;
      if (listeners.size === 0) onActive?.(false);
    };
  };

  return {
    subscribe,
    getSnapshot: () => value,
    next(v) {
      value = v;
      has = true;
      for (const l of [...listeners]) l.value(v);
    },
    error(e) {
      for (const l of [...listeners]) l.error?.(e);
    },
    [Symbol.asyncIterator](): AsyncIterator<T> {
      // Latest-value semantics: a slow consumer sees the newest value, not every one.
      const queue: T[] = [];
      let wake: (() => void) | undefined;
      let failure: { error: unknown } | undefined;
      const stop = subscribe(
        (v) => {
          queue.length = 0;
          queue.push(v);
          wake?.();
        },
        (e) => {
          failure = { error: e };
          wake?.();
        },
      );
      return {
        async next() {
          while (queue.length === 0 && !failure) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
          }
          if (failure) {
            stop();
            throw failure.error;
          }
          return { value: queue.shift() as T, done: false };
        },
        async return() {
          stop();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
