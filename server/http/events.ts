import { POKE_EVENT } from 'swsync/schema';
import { accountPokeKey, type PokeHub } from './poke-hub.ts';

/** Default heartbeat: a comment line at most every 25 s keeps proxies from closing the stream. */
export const DEFAULT_HEARTBEAT_MS = 25_000;

export interface PokeStreamOptions {
  hub: PokeHub;
  /** v1: the one scope whose commits are poked. Give this or `spaces`. */
  scope?: string;
  /**
   * Shared spaces: pokes for commits of every scope `scopes()` returns, and for membership
   * changes of `account`, after which `scopes()` is asked again and the subscriptions follow.
   */
  spaces?: { account: string; scopes: () => Promise<string[]> };
  heartbeatMs: number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /**
   * Asked at every heartbeat: false (or a throw) ends the stream, so a session ended or revoked
   * after the stream opened stops receiving pokes within one heartbeat. Default: always valid.
   */
  stillAuthorized?: () => Promise<boolean>;
}

const encoder = new TextEncoder();

/**
 * Opens the `text/event-stream` of one client: `event: poke` with `data: {"cursor":...}` per
 * commit of its scope, a comment line as heartbeat. Built on Web Streams only, so it runs on any
 * runtime Hono runs on.
 *
 * The subscription is active before the response is returned: a commit made once the client has
 * the headers is always poked. The first bytes (a comment) are queued at once so the runtime
 * flushes headers immediately rather than at the first poke.
 *
 * @example
 * app.get('/events', (c) =>
 *   openPokeStream({ hub: pokeHubFor(store), scope, heartbeatMs: 25_000, signal: c.req.raw.signal }),
 * );
 */
export async function openPokeStream(options: PokeStreamOptions): Promise<Response> {
  const { hub, heartbeatMs, signal, stillAuthorized } = options;
  if (options.scope === undefined && options.spaces === undefined) {
    throw new TypeError('openPokeStream needs a scope or spaces');
  }
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let closed = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let unsubscribe: (() => void) | undefined;

  const close = () => {
    if (closed) return;
    closed = true;
    if (heartbeat !== undefined) clearInterval(heartbeat);
    unsubscribe?.();
    signal.removeEventListener('abort', close);
    try {
      controller?.close();
    } catch {
      // Already closed or errored by the runtime.
    }
  };
  const send = (text: string) => {
    if (closed || !controller) return;
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      close();
    }
  };

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(encoder.encode(': connected\n\n'));
    },
    cancel() {
      close();
    },
  });

  if (signal.aborted) {
    close();
  } else {
    signal.addEventListener('abort', close);
    const poke = (cursor: string) =>
      send(`event: ${POKE_EVENT}\ndata: ${JSON.stringify({ cursor })}\n\n`);
    try {
      unsubscribe = options.spaces
        ? await subscribeSpaces(hub, options.spaces, poke, () => closed)
        : await hub.subscribe(options.scope!, poke);
    } catch (error) {
      close();
      throw error;
    }
    // The client may have left while the LISTEN was starting.
    if (closed) unsubscribe();
    else {
      heartbeat = setInterval(async () => {
        const authorized = stillAuthorized ? await stillAuthorized().catch(() => false) : true;
        if (authorized) send(': heartbeat\n\n');
        else close();
      }, heartbeatMs);
    }
  }

  return new Response(body, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // Tells nginx-style proxies not to buffer the stream.
      'X-Accel-Buffering': 'no',
    },
  });
}

/**
 * Subscribes to the account's key and to each of its scopes; a membership change re-reads the
 * scopes (subscribing to new ones before the poke goes out, so the pull it causes is followed
 * by pokes of the new scope) and pokes. Returns one function that drops every subscription.
 */
async function subscribeSpaces(
  hub: PokeHub,
  spaces: NonNullable<PokeStreamOptions['spaces']>,
  poke: (cursor: string) => void,
  isClosed: () => boolean,
): Promise<() => void> {
  const byScope = new Map<string, () => void>();
  let stopped = false;
  const follow = async () => {
    const scopes = new Set(await spaces.scopes());
    if (stopped) return;
    for (const [scope, stop] of byScope) {
      if (scopes.has(scope)) continue;
      stop();
      byScope.delete(scope);
    }
    for (const scope of scopes) {
      if (byScope.has(scope)) continue;
      const stop = await hub.subscribe(scope, poke);
      if (stopped || byScope.has(scope)) stop();
      else byScope.set(scope, stop);
    }
  };
  // Membership changes are handled one after the other.
  let changing: Promise<void> = Promise.resolve();
  const stopAccount = await hub.subscribe(accountPokeKey(spaces.account), (cursor) => {
    changing = changing
      .then(follow)
      .catch(() => {})
      .then(() => {
        if (!isClosed()) poke(cursor);
      });
  });
  const stopAll = () => {
    stopped = true;
    stopAccount();
    for (const stop of byScope.values()) stop();
    byScope.clear();
  };
  try {
    await follow();
  } catch (error) {
    stopAll();
    throw error;
  }
  return stopAll;
}
