import {
  checkAccount,
  PAGE_PROTOCOL_VERSION,
  type SignOutResult,
  type SyncStatus,
  type WorkerRpc,
  type Write,
} from 'swsync/schema';
import { RejectedError, UnavailableError } from '../errors.ts';
import { pageEngine } from '../fallback/engine-rpc.ts';
import { listenBroadcasts } from '../live/broadcast.ts';
import { liveQuery } from '../live/live-query.ts';
import type { ModelChange } from '../live/read-cache.ts';
import { startRealtime } from '../realtime/realtime.ts';
import { LocalReader } from '../store/local-reader.ts';
import { RpcConnection } from '../transport/connection.ts';
import { randomId } from '../transport/envelope.ts';
import { chooseHost, deferredTransport, updateWorker } from './host.ts';
import { LocalWriter } from './local-writes.ts';
import { modelReader, RESERVED_NAMES } from './models.ts';
import { wakeForRetries } from './retry-wake.ts';
import { StatusHolder } from './status.ts';
import type {
  AnySchema,
  ClientEvents,
  ReadModels,
  SyncClient,
  TransactionModels,
} from './types.ts';
import { createWrite, deleteWrite, updateWrite } from './writes.ts';

export interface CreateClientOptions<S extends AnySchema> {
  schema: S;
  /** Base URL of the sync routes (the worker's `endpoint`); realtime uses `${endpoint}/events`. */
  endpoint: string;
  /** The Service Worker script (default `'/sw.js'`). */
  worker?: string;
  /** Default `'classic'`; `'module'` for an ES module worker. */
  workerType?: WorkerType;
  /**
   * The signed-in account this client is for: what the server's `auth` returns for its
   * credentials (e.g. the user id). The local database is bound to it for good; the worker
   * syncs it only under that account's credentials, pauses it (nothing rolled back) while
   * another account is signed in, and resumes it when a client is opened for it again.
   * Default: none (v1 behaviour, one database for whoever is signed in).
   */
  account?: string;
  /**
   * The local database. Default `'swsync'`, or `'swsync:<account>'` with `account`: one per
   * account, so accounts sharing a browser never share data.
   */
  dbName?: string;
  /** Extra request headers for the worker's pushes and pulls, re-sent after every handshake. */
  headers?: Record<string, string>;
  /**
   * Per-attempt RPC timeout, in ms (default 5,000); also how long a read waits for IndexedDB
   * to open the database (another tab may hold it up) before rejecting with `UnavailableError`.
   */
  timeoutMs?: number;
  /** Attempts per call before `UnavailableError` (default 3). */
  attempts?: number;
  /** Hold the origin's SSE stream in one tab and poke the engine (default `true`). */
  realtime?: boolean;
  /**
   * The in-page engine for browsers without Service Workers: returns the same `WorkerRpc` the
   * worker serves. Default: `pageEngine`, the host of `swsync/sw` (loaded only then). Runs in
   * the leader tab only.
   */
  fallback?: () => Promise<WorkerRpc> | WorkerRpc;
  /** Run the engine in the page even where a Service Worker is available. */
  forcePageHost?: boolean;
  /**
   * Shared spaces for the default page-hosted engine (`EngineOptions.spaces`), default false.
   * A Service Worker host decides for itself: pass `spaces` to `installSyncWorker` too.
   */
  spaces?: boolean;
}

/**
 * Creates the page's sync client: typed per-model reads and writes straight on IndexedDB
 * (validated here; the worker pushes the writes), transactions, live queries, status and
 * realtime.
 *
 * @example
 * const client = createClient({ schema: demoSchema, endpoint: '/api/sync', dbName: 'user-1' });
 * await client.Todo.create({ id, boardId, title: 'Milk', done: false, createdAt, updatedAt });
 * const stop = client.liveQuery((db) => db.Todo.where('boardId').equals(boardId).toArray())
 *   .subscribe((todos) => render(todos));
 */
export function createClient<S extends AnySchema>(options: CreateClientOptions<S>): SyncClient<S> {
  const { schema } = options;
  const { account } = options;
  if (account !== undefined) checkAccount(account);
  const dbName = options.dbName ?? (account === undefined ? 'swsync' : `swsync:${account}`);
  for (const name of schema.modelNames) {
    if (RESERVED_NAMES.has(name)) throw new Error(`model name "${name}" is reserved by the client`);
  }
  let headers = options.headers ?? null;
  let signedOut = false;
  const status = new StatusHolder();
  const onOnline = () => status.browserOnline(true);
  const onOffline = () => status.browserOnline(false);
  globalThis.addEventListener?.('online', onOnline);
  globalThis.addEventListener?.('offline', onOffline);
  const hostChoice = chooseHost({
    dbName,
    worker: options.worker ?? '/sw.js',
    workerType: options.workerType ?? 'classic',
    forcePage: options.forcePageHost ?? false,
    fallback:
      options.fallback ??
      (() => pageEngine({ schema, endpoint: options.endpoint, spaces: options.spaces })),
  });
  void hostChoice.then((c) => status.mode(c.mode, c.reason, c.error));

  const rpc = new RpcConnection({
    transport: deferredTransport(hostChoice),
    db: dbName,
    // A tab that saw its account sign out (in another tab) must not resume it by reconnecting.
    account: () => (signedOut ? undefined : account),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
    onHandshake: (hello) => {
      status.handshake(hello);
      if (status.current.protocol.action === 'update-worker') {
        void hostChoice
          .then((c) => c.registration && updateWorker(c.registration, status))
          .catch(() => undefined);
      }
    },
    onHello: async (_hello, api) => {
      if (headers) await api.setHeaders(dbName, headers);
    },
  });

  /** Every call goes through here, so `status.connected` follows what the worker answers. */
  const call: RpcConnection['call'] = (method, ...args) =>
    rpc.call(method, ...args).then(
      (value) => {
        status.connected(true);
        return value;
      },
      (error: unknown) => {
        if (error instanceof UnavailableError) status.connected(false);
        throw error;
      },
    );

  // Headers live in worker memory only, and the page cannot see a worker restart (the
  // registration wakes the same worker object). A restarted worker pushes without them, gets
  // 401 and pauses: give them back once, then let it try again. At most every 5 s, so a real
  // 401 (expired token) does not loop; the app renews the token with `setHeaders`.
  let lastResend = 0;
  const resendHeaders = () => {
    if (!headers || Date.now() - lastResend < 5_000) return;
    lastResend = Date.now();
    void call('setHeaders', headers)
      .then(() => call('poke', 'online'))
      .catch(() => undefined);
  };

  const liveListeners = new Set<(change: ModelChange) => void>();
  const changeListeners = new Set<ClientEvents['change']>();
  // What live queries kept may be out of date without a change having been reported: the
  // worker replaced the database's layout (the page's connection made way for it), an engine
  // opened after one that may have been stopped before its broadcast ('invalidate'), or the
  // page slept (back-forward cache, a frozen tab) while broadcasts went by. Read it all again,
  // and tell those who follow changes themselves that any record may have changed.
  const refreshLive = () => {
    for (const model of schema.modelNames) {
      tellEach(liveListeners, (l) => l({ model, keys: null }));
      tellEach(changeListeners, (l) => l({ type: 'change', model, keys: [] }));
    }
  };
  const reader = new LocalReader(
    dbName,
    () => rpc.connect(),
    refreshLive,
    options.timeoutMs ?? 5_000,
  );
  const onPageShow = (event: Event) => {
    if ((event as PageTransitionEvent).persisted) refreshLive();
  };
  globalThis.addEventListener?.('pageshow', onPageShow);
  globalThis.document?.addEventListener('resume', refreshLive);
  const rejectedListeners = new Set<ClientEvents['rejected']>();
  const stopBroadcasts = listenBroadcasts(dbName, (message) => {
    if (message.type === 'status') {
      status.sync(message.status);
      if (message.status.paused === 'signed-out') signedOut = true;
      if (message.status.paused === 'unauthorized') resendHeaders();
    } else if (message.type === 'change') {
      // A change naming no keys says only that the model changed: any record may have.
      const change = { model: message.model, keys: message.keys.length > 0 ? message.keys : null };
      tellEach(liveListeners, (l) => l(change));
      tellEach(changeListeners, (l) => l(message));
    } else if (message.type === 'invalidate') refreshLive();
    else
      tellEach(rejectedListeners, (l) =>
        l(new RejectedError(message.rejection), message.rejection),
      );
  });

  // The first answer of the worker fills the status before any broadcast arrives. A first
  // install can outlast every attempt on a busy machine: keep trying in the background (1 s,
  // doubling to 30 s) so the status turns connected without waiting for the app's first call.
  let closed = false;
  let firstStatusTimer: ReturnType<typeof setTimeout> | undefined;
  const fetchFirstStatus = (delayMs: number) => {
    void call('status')
      .then((s) => status.sync(s))
      .catch((error: unknown) => {
        if (closed || !(error instanceof UnavailableError)) return;
        firstStatusTimer = setTimeout(
          () => fetchFirstStatus(Math.min(delayMs * 2, 30_000)),
          delayMs,
        );
      });
  };
  fetchFirstStatus(1_000);

  const stopRealtime =
    options.realtime === false
      ? () => {}
      : startRealtime({
          dbName,
          endpoint: options.endpoint,
          ...(account === undefined ? {} : { account }),
          poke: (r) => call('poke', r),
          watchAccess: (recheck) =>
            status.source.subscribe((s) => {
              if (s.paused === 'unauthorized' || s.paused === 'account-mismatch') recheck();
            }),
        });

  const stopRetryWake = wakeForRetries(status.source, () => call('poke', 'poke'));

  const localWriter = new LocalWriter({
    dbName,
    schema,
    mayWrite: async () => {
      const hello = await rpc.connect();
      // A worker of another release checks the write with its own schema: let it make it.
      return (
        hello.protocolVersion === PAGE_PROTOCOL_VERSION &&
        hello.schemaFingerprint === schema.fingerprint
      );
    },
    database: () => reader.database(),
    tellWorker: () => call('poke', 'write'),
  });
  const send = async (writes: Write[]) => {
    if (await localWriter.write(writes)) return;
    // One mutationId per logical write, made here once: retries after a timeout reuse it.
    await call('write', randomId(), writes);
  };

  const models: Record<string, unknown> = {};
  for (const name of schema.modelNames) {
    models[name] = {
      ...modelReader(schema, reader, name),
      create: async (record: unknown) => {
        const { write, record: parsed } = createWrite(schema, name, record);
        await send([write]);
        return parsed;
      },
      // async: a validation error is a rejection, like every other failure of a write.
      update: async (key: unknown, patch: unknown) => send([updateWrite(schema, name, key, patch)]),
      delete: async (key: unknown) => send([deleteWrite(schema, name, key)]),
    };
  }

  const client = {
    ...models,
    status: status.source,
    async transaction(build: (tx: TransactionModels<S>) => void) {
      const writes: Write[] = [];
      const tx: Record<string, unknown> = {};
      for (const name of schema.modelNames) {
        tx[name] = {
          create: (record: unknown) => writes.push(createWrite(schema, name, record).write),
          update: (key: unknown, patch: unknown) =>
            writes.push(updateWrite(schema, name, key, patch)),
          delete: (key: unknown) => writes.push(deleteWrite(schema, name, key)),
        };
      }
      build(tx as TransactionModels<S>);
      if (writes.length > 0) await send(writes);
    },
    liveQuery<T>(query: (db: ReadModels<S>) => Promise<T>) {
      return liveQuery(
        {
          reader: (touched, cache) => {
            const db: Record<string, unknown> = {};
            for (const name of schema.modelNames)
              db[name] = modelReader(schema, reader, name, { touched, cache });
            return db as ReadModels<S>;
          },
          source: reader,
          onChange: (listener) => {
            liveListeners.add(listener);
            return () => liveListeners.delete(listener);
          },
        },
        query,
      );
    },
    on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]) {
      const set = (event === 'rejected' ? rejectedListeners : changeListeners) as Set<
        ClientEvents[E]
      >;
      set.add(listener);
      return () => void set.delete(listener);
    },
    async syncNow(): Promise<SyncStatus> {
      const result = await call('syncNow');
      status.sync(result);
      return result;
    },
    async setHeaders(next: Record<string, string> | null) {
      headers = next;
      await call('setHeaders', next);
    },
    async signOut(): Promise<SignOutResult> {
      try {
        return await call('signOut');
      } finally {
        client.close();
      }
    },
    async forget(): Promise<void> {
      // The page's own read connection first, so the deletion is not kept waiting on it.
      reader.close();
      try {
        await call('forget');
      } finally {
        client.close();
      }
    },
    close() {
      closed = true;
      clearTimeout(firstStatusTimer);
      globalThis.removeEventListener?.('online', onOnline);
      globalThis.removeEventListener?.('offline', onOffline);
      globalThis.removeEventListener?.('pageshow', onPageShow);
      globalThis.document?.removeEventListener('resume', refreshLive);
      stopRealtime();
      stopRetryWake();
      stopBroadcasts();
      localWriter.close();
      rpc.close();
      reader.close();
      void hostChoice.then((c) => c.close());
    },
  };
  return client as unknown as SyncClient<S>;
}

/**
 * Calls `call` for every listener. One that throws (an app's bug) does not keep the others from
 * being told: its error goes to `reportError`, where the page's `error` handlers see it as an
 * uncaught exception (thrown again in a task of its own where there is no `reportError`).
 */
function tellEach<L>(listeners: Iterable<L>, call: (listener: L) => void): void {
  for (const listener of listeners) {
    try {
      call(listener);
    } catch (error) {
      if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
      else
        queueMicrotask(() => {
          throw error;
        });
    }
  }
}
