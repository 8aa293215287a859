import type { Schema } from 'swsync/schema';
import { demoSchema } from '../../demo/schema.ts';
import type { LocalDb } from '../store/open.ts';
import type { SyncContext } from '../sync/context.ts';

/**
 * A sync context over `db` whose server answers each pull with the next of `pages` (the first
 * page also says the total), for unit tests of `pullChanges` and `applyPushResults` without
 * HTTP. `before` runs before a page is answered; `spaces` makes the answers spaces pages.
 *
 * @example
 * await pullChanges(scriptedContext(db, [[entry('t1', 1, todo('t1', 'b1'))]]));
 */
export function scriptedContext(
  db: LocalDb,
  pages: object[][] = [],
  options: { schema?: Schema; spaces?: boolean; before?: (page: number) => Promise<void> } = {},
): SyncContext {
  let next = 0;
  const fetch = async () => {
    const at = next++;
    await options.before?.(at);
    const body = {
      cursor: `cursor-${at}`,
      hasMore: at < pages.length - 1,
      logsWithRecords: pages[at] ?? [],
      ...(at === 0 ? { total: pages.flat().length } : {}),
      ...(options.spaces ? { revokedScopes: [], roles: {}, syncingScopes: [] } : {}),
    };
    return new Response(JSON.stringify(body), { status: 200 });
  };
  return {
    db,
    schema: options.schema ?? demoSchema,
    endpoint: 'http://sync.test',
    fetch: fetch as typeof globalThis.fetch,
    credentials: 'same-origin',
    headers: () => undefined,
    clientId: 'client-1',
    outbox: null,
    batchSize: 100,
    pullLimit: 1000,
    spaces: options.spaces ?? false,
    isOnline: () => true,
    now: () => 0,
    deadline: Number.POSITIVE_INFINITY,
    requestTimeoutMs: 30_000,
    setTimeout: () => 0,
    clearTimeout: () => {},
    onChange: () => {},
    onRejected: () => {},
    onPushed: () => {},
    onPullProgress: () => {},
    onRoles: () => {},
  };
}
