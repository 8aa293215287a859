import { POKE_EVENT } from 'swsync/schema';
import type { PokeHub } from './poke-hub.ts';

/**
 * Default heartbeat: a comment line every 25 s keeps proxies (30–100 s idle limits) from closing
 * the stream. Bun's own 10 s idle timeout is lifted per stream instead (see `keepOpenOnBun`), so
 * `stillAuthorized` is not asked every few seconds per client.
 */
export const DEFAULT_HEARTBEAT_MS = 25_000;

export interface PokeStreamOptions {
  hub: PokeHub;
  scope: string;
  heartbeatMs: number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /**
   * Asked at every heartbeat, and before a poke when the last answer is older than
   * {@link AUTH_RECHECK_MS}: false (or a throw) ends the stream, so a session ended or revoked
   * after the stream opened gets no poke made after that (beyond one second) and loses the
   * stream within one heartbeat. Default: always valid.
   */
  stillAuthorized?: () => Promise<boolean>;
  /** Runs once when the stream ends, whoever ends it (e.g. to close a per-request store). */
  onClose?: () => void;
}

/** How long a `stillAuthorized` answer covers the pokes that follow it, in ms. */
export const AUTH_RECHECK_MS = 1_000;

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
  const { hub, scope, heartbeatMs, signal, stillAuthorized, onClose } = options;
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
    onClose?.();
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

  // One check at a time; pokes that arrive meanwhile collapse into the latest cursor, which is
  // all a client needs to know (that there is something to pull).
  let checkedAt = Date.now();
  let checking: Promise<boolean> | undefined;
  const authorized = (): Promise<boolean> => {
    if (!stillAuthorized) return Promise.resolve(true);
    checking ??= stillAuthorized()
      .catch(() => false)
      .then((ok) => {
        checking = undefined;
        checkedAt = Date.now();
        if (!ok) close();
        return ok;
      });
    return checking;
  };
  let latestCursor: string | undefined;
  const poke = async (cursor: string) => {
    const waiting = latestCursor !== undefined;
    latestCursor = cursor;
    if (waiting) return;
    if (checking || Date.now() - checkedAt > AUTH_RECHECK_MS) await authorized();
    const next = latestCursor;
    latestCursor = undefined;
    send(`event: ${POKE_EVENT}\ndata: ${JSON.stringify({ cursor: next })}\n\n`);
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
    try {
      unsubscribe = await hub.subscribe(scope, (cursor) => void poke(cursor));
    } catch (error) {
      close();
      throw error;
    }
    // The client may have left while the LISTEN was starting.
    if (closed) unsubscribe();
    else {
      heartbeat = setInterval(async () => {
        if (await authorized()) send(': heartbeat\n\n');
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
