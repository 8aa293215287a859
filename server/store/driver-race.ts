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

let guarded = false;

/**
 * Keeps {@link isPostgresJsWriteRace} from ending the process; installed once per process by
 * `openPostgresStore`, so a server built from the README survives a database restart. Any other
 * uncaught exception behaves as Node's default while this is the only `uncaughtException`
 * listener (printed, exit code 1); once the app has listeners of its own, they decide.
 * A no-op where there is no `process` (workerd).
 */
export function guardAgainstWriteRace(): void {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (guarded || typeof proc?.on !== 'function' || typeof proc.listenerCount !== 'function') {
    return;
  }
  guarded = true;
  try {
    proc.on('uncaughtException', (error) => {
      if (isPostgresJsWriteRace(error)) return;
      if (proc.listenerCount('uncaughtException') > 1) return;
      console.error(error);
      proc.exit(1);
    });
  } catch {
    // A runtime whose `process` only looks like Node's (workerd): it has no such crash to stop.
  }
}
