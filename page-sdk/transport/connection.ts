import { PAGE_PROTOCOL_VERSION, type WorkerHello, type WorkerRpc } from 'swsync/schema';
import { ClosedError, fromRemoteError, UnavailableError, VersionMismatchError } from '../errors.ts';
import type { RpcLine, Transport } from './transport.ts';

type Method = keyof WorkerRpc;
/** A method's arguments after `db`, which the connection supplies. */
export type ArgsOf<K extends Method> =
  Parameters<WorkerRpc[K]> extends [string, ...infer R] ? R : never;
export type ResultOf<K extends Method> = Awaited<ReturnType<WorkerRpc[K]>>;

export interface ConnectionOptions {
  transport: Transport;
  db: string;
  /**
   * Read at every handshake: the account signed in here, which the worker then resumes; none
   * once the page knows that account signed out.
   */
  account?: () => string | undefined;
  /** Per attempt (default 5 s); `syncNow` gets six times as long: it waits for the network. */
  timeoutMs?: number;
  /** Attempts per call before it rejects with `UnavailableError` (default 3). */
  attempts?: number;
  /**
   * Runs after every handshake, before the waiting call: re-sends what lives only in the
   * worker's memory (headers), which a restarted worker has lost.
   */
  onHello?: (hello: WorkerHello, api: WorkerRpc) => Promise<void>;
  /** Told of every handshake result, including a version mismatch. */
  onHandshake?: (hello: WorkerHello) => void;
}

export class TimeoutError extends Error {}

/** A line and its guard, from the moment it opens: `drop` closes it and fails its waiting calls. */
interface Opened {
  line: RpcLine;
  /** `call`, failed with a TransportFailure at once if the line's worker is lost meanwhile. */
  guard<T>(call: Promise<T>): Promise<T>;
  /** Fails every call still waiting on the line: once it is closed, no answer can arrive. */
  fail(): void;
}

/** A line whose handshake is done. */
interface Session extends Opened {
  hello: WorkerHello;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new TimeoutError(`${what} timed out after ${ms} ms`)),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Calls the worker so that no call hangs: every attempt has a timeout; after a timeout, or
 * when the worker behind the line was replaced, the connection drops the line, handshakes
 * again (through the registration, which wakes a stopped worker) and retries. Retrying is safe
 * because every `WorkerRpc` method is idempotent (`write` by its `mutationId`). After the last
 * attempt the call rejects with `UnavailableError`; errors the worker threw are not retried.
 *
 * @example
 * const rpc = new RpcConnection({ transport, db: 'user-1' });
 * await rpc.call('write', mutationId, [write]);
 */
export class RpcConnection {
  private session: Session | undefined;
  /** The line a handshake in progress opened, so `close()` reaches it too. */
  private opening: Opened | undefined;
  private handshake: Promise<Session> | undefined;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(private readonly options: ConnectionOptions) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.attempts = Math.max(1, options.attempts ?? 3);
  }

  /** The last handshake's answer, if any. */
  get hello(): WorkerHello | undefined {
    return this.session?.hello;
  }

  /** Handshakes if needed; resolves with the worker's hello or rejects like a call. */
  async connect(): Promise<WorkerHello> {
    return this.attempt('hello', async (session) => session.hello);
  }

  call<K extends Method>(method: K, ...args: ArgsOf<K>): Promise<ResultOf<K>> {
    return this.attempt<unknown>(method, (session, timeoutMs) => {
      if (session.hello.protocolVersion !== PAGE_PROTOCOL_VERSION) {
        throw new VersionMismatchError(PAGE_PROTOCOL_VERSION, session.hello.protocolVersion);
      }
      const fn = session.line.api[method] as (...a: unknown[]) => Promise<unknown>;
      return withTimeout(session.guard(fn(this.options.db, ...args)), timeoutMs, method);
    }) as Promise<ResultOf<K>>;
  }

  close(): void {
    this.closed = true;
    this.drop();
    if (this.opening) this.drop(this.opening);
  }

  private async attempt<T>(
    method: string,
    run: (session: Session, timeoutMs: number) => Promise<T>,
  ): Promise<T> {
    const timeoutMs = method === 'syncNow' ? this.timeoutMs * 6 : this.timeoutMs;
    let last: unknown;
    for (let i = 0; i < this.attempts; i++) {
      if (this.closed) throw new ClosedError();
      let session: Session | undefined;
      try {
        session = await this.ensureSession();
        if (this.closed) throw new ClosedError();
        return await run(session, timeoutMs);
      } catch (error) {
        if (!(error instanceof TimeoutError) && !isTransportFailure(error)) {
          throw fromRemoteError(error);
        }
        last = error;
        // The line this attempt used, only: calls that went out on it together time out one
        // by one, and a later one must not cut off the line the first opened since.
        if (session) this.drop(session);
      }
    }
    const cause = last instanceof Error ? last.message : String(last);
    throw new UnavailableError(
      `the worker did not answer ${method} after ${this.attempts} attempts: ${cause}`,
      { method, attempts: this.attempts, cause },
    );
  }

  private ensureSession(): Promise<Session> {
    const { session } = this;
    if (session && session.line.peer === this.options.transport.current()) {
      return Promise.resolve(session);
    }
    if (session) this.drop();
    this.handshake ??= this.open().finally(() => {
      this.handshake = undefined;
    });
    return this.handshake;
  }

  private async open(): Promise<Session> {
    const opening = this.options.transport.open();
    const line = await withTimeout(opening, this.timeoutMs, 'connect').catch((error: unknown) => {
      // A line that comes after its connect gave up is nobody's: it must not keep listening.
      opening.then(
        (late) => late.close(),
        () => undefined,
      );
      throw new TransportFailure(error instanceof Error ? error.message : String(error));
    });
    const opened = guardLine(line);
    const { guard } = opened;
    this.opening = opened;
    try {
      const hello = await withTimeout(
        guard(
          line.api.hello(this.options.db, PAGE_PROTOCOL_VERSION, this.options.account?.() ?? null),
        ),
        this.timeoutMs,
        'hello',
      );
      this.options.onHandshake?.(hello);
      if (hello.protocolVersion === PAGE_PROTOCOL_VERSION) {
        await withTimeout(
          guard(this.options.onHello?.(hello, line.api) ?? Promise.resolve()),
          this.timeoutMs,
          'hello',
        );
      }
      // Closed meanwhile: the line is nobody's, and nothing goes out after close().
      if (this.closed) throw new ClosedError();
      const session = { ...opened, hello };
      this.session = session;
      return session;
    } catch (error) {
      this.drop(opened);
      throw error;
    } finally {
      if (this.opening === opened) this.opening = undefined;
    }
  }

  /**
   * Closes `session`'s line and fails the calls still waiting on it (a closed line delivers no
   * answer: they would wait out their timeout), so they retry on another line at once.
   */
  private drop(session: Opened | undefined = this.session): void {
    if (!session) return;
    session.line.close();
    session.fail();
    if (this.session === session) this.session = undefined;
  }
}

/** No worker could be reached at all (none active yet, activation timed out), or it left. */
class TransportFailure extends Error {}

/**
 * Fails the calls waiting on `line` as soon as its worker is lost (`RpcLine.lost`), so they
 * retry on its successor instead of waiting out their timeout. One subscription per line: the
 * calls register while they wait and leave when they settle.
 */
function guardLine(line: RpcLine): Opened {
  const waiting = new Set<(error: Error) => void>();
  let why: string | undefined;
  const failAll = (reason: string) => {
    why ??= reason;
    for (const fail of waiting) fail(new TransportFailure(why));
    waiting.clear();
  };
  void line.lost?.then(() => failAll('the worker was replaced before it answered'));
  return {
    line,
    fail: () => failAll('the line was closed before the worker answered'),
    guard: <T>(call: Promise<T>) => {
      if (why !== undefined) return Promise.reject(new TransportFailure(why));
      return new Promise<T>((resolve, reject) => {
        waiting.add(reject);
        call.then(resolve, reject).finally(() => waiting.delete(reject));
      });
    },
  };
}

/** Posting to a worker that became redundant throws InvalidStateError: reconnect. */
function isTransportFailure(error: unknown): boolean {
  if (error instanceof TransportFailure) return true;
  return (
    typeof DOMException !== 'undefined' &&
    error instanceof DOMException &&
    error.name === 'InvalidStateError'
  );
}
