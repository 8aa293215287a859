import { type CacheSource, type ModelChange, ReadCache } from './read-cache.ts';
import { createSource, type Subscribable } from './subscribable.ts';

export interface LiveQueryHost<R> {
  /** A reader that records every model name it reads into `touched` and reads through `cache`. */
  reader(touched: Set<string>, cache: ReadCache): R;
  /** What a query's cache reads from. */
  source: CacheSource;
  /** Calls `onChange` for every change the engine reports; returns an unsubscribe. */
  onChange(listener: (change: ModelChange) => void): () => void;
}

/**
 * Runs `query` while someone listens, and again whenever a model it read changed; the reads of
 * a run after the first are served from the previous results, patched with the changed keys
 * (see ReadCache). Runs never overlap: a change during a run schedules one more run after it
 * (coalesced).
 *
 * @example
 * const todos = liveQuery(host, (db) => db.Todo.where('boardId').equals(id).toArray());
 * const stop = todos.subscribe((rows) => render(rows));
 */
export function liveQuery<R, T>(
  host: LiveQueryHost<R>,
  query: (reader: R) => Promise<T>,
): Subscribable<T> {
  let touched = new Set<string>();
  let running = false;
  let again = false;
  // Changes seen while a run is in flight: its reads are only known once it ends, and a
  // change of a model it already read may have come after the read.
  const changedDuringRun = new Set<string>();
  const cache = new ReadCache(host.source);
  let stopChanges: (() => void) | undefined;

  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    do {
      again = false;
      changedDuringRun.clear();
      const reads = new Set<string>();
      cache.startRun();
      try {
        const value = await query(host.reader(reads, cache));
        touched = reads;
        if (stopChanges) source.next(value);
      } catch (error) {
        touched = reads;
        source.error(error);
      } finally {
        cache.endRun();
      }
      if ([...changedDuringRun].some((model) => reads.has(model))) again = true;
    } while (again && stopChanges);
    running = false;
  };

  const source = createSource<T>(undefined, (active) => {
    if (active) {
      stopChanges = host.onChange((change) => {
        cache.note(change);
        if (running) changedDuringRun.add(change.model);
        else if (touched.has(change.model)) void run();
      });
      void run();
    } else {
      stopChanges?.();
      stopChanges = undefined;
      cache.reset();
    }
  });
  return source;
}
