/**
 * postgres.js 3.4.9 throws this from its write loop, outside any promise, when a backend is
 * terminated while a statement is queued on that connection (porsager/postgres#1154, #1208:
 * for `sql.begin`, its own ROLLBACK after the failure). The statement itself still fails with a
 * connection error (so the push answers 503); only this stray throw needs catching, or a Node
 * server would crash on a database restart. That connection can never open again; the store
 * replaces its pool (see RecyclingPool in pg-pool.ts).
 */
export function isPostgresJsWriteRace(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { message, stack } = error as { message?: unknown; stack?: unknown };
  return (
    message === "Cannot read properties of null (reading 'write')" &&
    typeof stack === 'string' &&
    stack.includes('postgres/src/connection.js')
  );
}
