import type { SqlClient, SyncStore } from 'swsync/server';

/** What an {@link observedStore} saw since its last reset. */
export interface StoreStats {
  /** Statements sent, inside transactions or not (BEGIN and COMMIT not counted). */
  statements: number;
  /** Time spent awaiting those statements, ms (overlapping ones counted each). */
  sqlMs: number;
  transactions: number;
  /** Time spent in transactions, ms. */
  txMs: number;
}

/**
 * `inner` with every statement counted and timed, for benchmarks that report how many
 * statements a request makes or how long it awaits SQL.
 *
 * @example
 * const { store, stats, reset } = observedStore(await openPostgresStore({ url }));
 * reset(); await pullOnce(store); console.log(stats.statements);
 */
export function observedStore(inner: SyncStore): {
  store: SyncStore;
  stats: StoreStats;
  reset(): void;
} {
  const stats: StoreStats = { statements: 0, sqlMs: 0, transactions: 0, txMs: 0 };
  const timed = (client: SqlClient): SqlClient => ({
    async query(text, params) {
      const started = performance.now();
      try {
        return await client.query(text, params);
      } finally {
        stats.statements++;
        stats.sqlMs += performance.now() - started;
      }
    },
  });
  const outside = timed(inner);
  const store: SyncStore = {
    kind: inner.kind,
    query: (text, params) => outside.query(text, params),
    async transaction(fn) {
      const started = performance.now();
      try {
        return await inner.transaction((tx) => fn(timed(tx)));
      } finally {
        stats.transactions++;
        stats.txMs += performance.now() - started;
      }
    },
    listen: (channel, onNotify, onRestored) => inner.listen(channel, onNotify, onRestored),
    close: () => inner.close(),
  };
  const reset = () => Object.assign(stats, { statements: 0, sqlMs: 0, transactions: 0, txMs: 0 });
  return { store, stats, reset };
}
