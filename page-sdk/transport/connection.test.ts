import {
  idleSyncStatus,
  PAGE_PROTOCOL_VERSION,
  type SyncStatus,
  type WorkerRpc,
} from 'swsync/schema';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError, VersionMismatchError, WorkerError } from '../errors.ts';
import { RpcConnection } from './connection.ts';
import type { RpcLine, Transport } from './transport.ts';

const status: SyncStatus = idleSyncStatus();

// Tests that fake the clock leave it real for the next.
afterEach(() => {
  vi.useRealTimers();
});

/** A worker in memory; `answer` decides per call whether it answers (false = hangs). */
function fakeWorker(protocolVersion = PAGE_PROTOCOL_VERSION) {
  const log: string[] = [];
  const applied = new Map<string, number>();
  let answer: (method: string) => boolean = () => true;
  const hang = new Promise<never>(() => {});
  const gate = <T>(method: string, value: () => T): Promise<T> => {
    log.push(method);
    return answer(method) ? Promise.resolve().then(value) : hang;
  };
  const api: WorkerRpc = {
    hello: (db) =>
      gate('hello', () => ({ protocolVersion, dbName: db, schemaHash: 'h', clientId: 'c' })),
    write: (_db, mutationId) => {
      // Applied on arrival, deduplicated by mutationId, even when the answer is lost.
      if (!applied.has(mutationId)) applied.set(mutationId, 1);
      return gate('write', () => undefined);
    },
    syncNow: () => gate('syncNow', () => status),
    status: () => gate('status', () => status),
    poke: () => gate('poke', () => undefined),
    setHeaders: () => gate('setHeaders', () => undefined),
    signOut: () => gate('signOut', () => ({ pending: 0 })),
    forget: () => gate('forget', () => undefined),
  };
  return {
    api,
    log,
    applied,
    setAnswer: (fn: (method: string) => boolean) => {
      answer = fn;
    },
  };
}

/** A transport whose worker can be replaced, like a registration's active worker. */
function fakeTransport(worker: { api: WorkerRpc }) {
  let peer = {};
  let opened = 0;
  const transport: Transport = {
    current: () => peer,
    async open(): Promise<RpcLine> {
      opened++;
      return { api: worker.api, peer, close: () => {} };
    },
  };
  return {
    transport,
    replace: () => {
      peer = {};
    },
    opened: () => opened,
  };
}

/**
 * A transport whose worker an update can replace: `replace()` makes a new worker current and
 * loses every line opened so far, as a worker turning redundant does.
 */
function replaceableLines(worker: { api: WorkerRpc }) {
  let peer = {};
  let loseLine = () => {};
  let opened = 0;
  const transport: Transport = {
    current: () => peer,
    async open(): Promise<RpcLine> {
      opened++;
      const lost = new Promise<void>((resolve) => {
        loseLine = resolve;
      });
      return { api: worker.api, peer, lost, close: () => {} };
    },
  };
  return {
    transport,
    opened: () => opened,
    replace() {
      peer = {};
      loseLine();
    },
  };
}

describe('RpcConnection', () => {
  it('handshakes once, then calls with the database name first', async () => {
    const worker = fakeWorker();
    const { transport, opened } = fakeTransport(worker);
    const rpc = new RpcConnection({ transport, db: 'db1' });
    await rpc.call('poke', 'online');
    await rpc.call('status');
    expect(worker.log).toEqual(['hello', 'poke', 'status']);
    expect(opened()).toBe(1);
    expect(rpc.hello?.dbName).toBe('db1');
  });

  it('times out, re-handshakes and retries; the write is applied once', async () => {
    const worker = fakeWorker();
    const { transport, opened } = fakeTransport(worker);
    let writes = 0;
    worker.setAnswer((m) => m !== 'write' || ++writes > 1);
    const rpc = new RpcConnection({ transport, db: 'db1', timeoutMs: 30 });
    await rpc.call('write', 'm-1', []);
    expect(worker.log).toEqual(['hello', 'write', 'hello', 'write']);
    expect(opened()).toBe(2);
    expect([...worker.applied]).toEqual([['m-1', 1]]);
  });

  it('never hangs: rejects with UnavailableError after the last attempt', async () => {
    const worker = fakeWorker();
    worker.setAnswer(() => false);
    const rpc = new RpcConnection({
      transport: fakeTransport(worker).transport,
      db: 'd',
      timeoutMs: 20,
      attempts: 3,
    });
    const started = Date.now();
    const error = await rpc.call('status').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      details: { method: 'status', attempts: 3 },
    });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('re-handshakes when the worker was replaced', async () => {
    const worker = fakeWorker();
    const t = fakeTransport(worker);
    const rpc = new RpcConnection({ transport: t.transport, db: 'd' });
    await rpc.call('status');
    t.replace();
    await rpc.call('status');
    expect(worker.log).toEqual(['hello', 'status', 'hello', 'status']);
  });

  it('re-sends what lives in worker memory after every handshake', async () => {
    const worker = fakeWorker();
    const t = fakeTransport(worker);
    const rpc = new RpcConnection({
      transport: t.transport,
      db: 'd',
      onHello: (_hello, api) => api.setHeaders('d', { authorization: 'x' }),
    });
    await rpc.call('status');
    t.replace();
    await rpc.call('status');
    expect(worker.log).toEqual(['hello', 'setHeaders', 'status', 'hello', 'setHeaders', 'status']);
  });

  it('refuses calls to a worker of another protocol version, after reporting it', async () => {
    const worker = fakeWorker(PAGE_PROTOCOL_VERSION + 1);
    const seen: number[] = [];
    const rpc = new RpcConnection({
      transport: fakeTransport(worker).transport,
      db: 'd',
      onHandshake: (hello) => seen.push(hello.protocolVersion),
    });
    const error = await rpc.call('write', 'm', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VersionMismatchError);
    expect(seen).toEqual([PAGE_PROTOCOL_VERSION + 1]);
    expect(worker.log).toEqual(['hello']);
  });

  it('retries at once, without waiting out the timeout, when the worker behind the line is lost', async () => {
    const worker = fakeWorker();
    let writes = 0;
    // The first write reaches the worker (applied) but its answer never comes back.
    worker.setAnswer((m) => m !== 'write' || ++writes > 1);
    const lines = replaceableLines(worker);
    // A timeout no test waits for: only the loss can end the first attempt.
    const rpc = new RpcConnection({ transport: lines.transport, db: 'd', timeoutMs: 60_000 });
    await rpc.call('status');
    const write = rpc.call('write', 'm-1', []);
    await vi.waitFor(() => expect(worker.log).toContain('write'));
    // An update took over: the old worker turned redundant, a new one is active.
    lines.replace();
    await write;
    expect(worker.log).toEqual(['hello', 'status', 'write', 'hello', 'write']);
    expect(lines.opened()).toBe(2);
    expect([...worker.applied]).toEqual([['m-1', 1]]);
  });

  it('closes a line that arrives after its connect timed out', async () => {
    const worker = fakeWorker();
    const closed: number[] = [];
    let opened = 0;
    const transport: Transport = {
      current: () => 'the worker',
      async open(): Promise<RpcLine> {
        const n = ++opened;
        // The first connect answers long after its timeout; the retry at once.
        if (n === 1) await new Promise((resolve) => setTimeout(resolve, 60));
        return { api: worker.api, peer: 'the worker', close: () => closed.push(n) };
      },
    };
    const rpc = new RpcConnection({ transport, db: 'd', timeoutMs: 20 });
    await rpc.call('status');
    await vi.waitFor(() => expect(closed).toEqual([1]));
    rpc.close();
    expect(closed).toEqual([1, 2]);
  });

  it('does not retry an error the worker threw; its code survives', async () => {
    const worker = fakeWorker();
    worker.api.write = async () => {
      throw Object.assign(new Error('bad write'), { code: 'WRITE_INVALID' });
    };
    const rpc = new RpcConnection({ transport: fakeTransport(worker).transport, db: 'd' });
    const error = await rpc.call('write', 'm', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toMatchObject({ code: 'WRITE_INVALID', message: 'bad write' });
    expect(worker.log).toEqual(['hello']);
  });
});

/**
 * A worker whose writes the test answers (`release`) or never answers (`lose`), behind lines
 * that behave like the page's: once a line is closed, nothing more arrives on it.
 */
function heldWorker() {
  const log: string[] = [];
  const held = new Map<string, () => void>();
  const lost = new Set<string>();
  const api = {
    hello: async (db: string) => {
      log.push('hello');
      return { protocolVersion: PAGE_PROTOCOL_VERSION, dbName: db, schemaHash: 'h', clientId: 'c' };
    },
    status: async () => status,
    write: (_db: string, mutationId: string) => {
      log.push(`write ${mutationId}`);
      if (lost.delete(mutationId)) return new Promise<void>(() => {});
      return new Promise<void>((resolve) => held.set(mutationId, resolve));
    },
  } as unknown as WorkerRpc;
  let opened = 0;
  const transport: Transport = {
    current: () => 'the worker',
    async open(): Promise<RpcLine> {
      opened++;
      let closed = false;
      const line = Object.fromEntries(
        Object.entries(api).map(([name, fn]) => [
          name,
          (...args: unknown[]) =>
            new Promise((resolve, reject) => {
              (fn as (...a: unknown[]) => Promise<unknown>)(...args).then(
                (value) => closed || resolve(value),
                (error: unknown) => closed || reject(error),
              );
            }),
        ]),
      ) as unknown as WorkerRpc;
      return {
        api: line,
        peer: 'the worker',
        close: () => {
          closed = true;
        },
      };
    },
  };
  return {
    transport,
    log,
    opened: () => opened,
    lose: (mutationId: string) => lost.add(mutationId),
    release: (mutationId: string) => held.get(mutationId)?.(),
  };
}

describe('RpcConnection after a timeout', () => {
  it('drops only the line the timed-out call used, not one opened since for other calls', async () => {
    vi.useFakeTimers();
    const worker = heldWorker();
    const rpc = new RpcConnection({ transport: worker.transport, db: 'd', timeoutMs: 5_000 });
    await rpc.call('status');
    const answered = new Set<string>();
    const write = (id: string) =>
      rpc.call('write', id, []).then(
        () => answered.add(id),
        () => undefined,
      );
    // "a" is lost (a worker stopped mid-call); "b" goes out on the same line later and is still
    // unanswered when "a" times out and the connection moves on to a new line.
    worker.lose('a');
    const calls = [write('a')];
    await vi.advanceTimersByTimeAsync(3_000);
    calls.push(write('b'));
    await vi.advanceTimersByTimeAsync(2_000);
    worker.release('a');
    await vi.advanceTimersByTimeAsync(0);
    expect([...answered]).toEqual(['a']);
    expect(worker.opened()).toBe(2);
    // "c" goes out on the new line; "b" times out on the old one while "c" waits.
    calls.push(write('c'));
    await vi.advanceTimersByTimeAsync(3_000);
    worker.release('b');
    worker.release('c');
    await vi.advanceTimersByTimeAsync(0);
    // "b"'s timeout left the new line alone: "c" is answered on it, no third line opens.
    expect(answered.has('c')).toBe(true);
    expect(worker.log.filter((entry) => entry === 'write c')).toHaveLength(1);
    expect(worker.opened()).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(calls);
  });
});

/**
 * A transport whose lines behave like the page's (a closed line delivers nothing more) and
 * whose worker the test replaces: `current()` changes first, `lost` settles when told.
 */
function replaceableWorker() {
  const held = new Map<string, () => void>();
  const log: string[] = [];
  let peer = { n: 1 };
  const loseLine = new Map<number, () => void>();
  let opened = 0;
  let closedLines = 0;
  const transport: Transport = {
    current: () => peer,
    async open(): Promise<RpcLine> {
      opened++;
      let closed = false;
      const linePeer = peer;
      const lost = new Promise<void>((resolve) => {
        loseLine.set(linePeer.n, resolve);
      });
      const deliver = <T>(value: () => Promise<T>) =>
        new Promise<T>((resolve, reject) => {
          value().then(
            (v) => closed || resolve(v),
            (e: unknown) => closed || reject(e),
          );
        });
      const api = {
        hello: (db: string) =>
          deliver(async () => ({
            protocolVersion: PAGE_PROTOCOL_VERSION,
            dbName: db,
            schemaHash: 'h',
            clientId: 'c',
          })),
        write: (_db: string, mutationId: string) =>
          deliver(() => {
            log.push(`write ${mutationId} on ${linePeer.n}`);
            return new Promise<void>((resolve) => held.set(`${mutationId}@${linePeer.n}`, resolve));
          }),
      } as unknown as WorkerRpc;
      return {
        api,
        peer: linePeer,
        lost,
        close: () => {
          closed = true;
          closedLines++;
        },
      };
    },
  };
  return {
    transport,
    log,
    opened: () => opened,
    closedLines: () => closedLines,
    /** The successor becomes `registration.active`; the old worker's `redundant` comes later. */
    activateSuccessor: () => {
      peer = { n: peer.n + 1 };
    },
    markOldRedundant: () => loseLine.get(peer.n - 1)?.(),
    release: (mutationId: string, worker: number) => held.get(`${mutationId}@${worker}`)?.(),
  };
}

describe('RpcConnection when a line is closed under a waiting call', () => {
  it('retries at once a call whose line another call dropped because the active worker changed', async () => {
    vi.useFakeTimers();
    const worker = replaceableWorker();
    const rpc = new RpcConnection({ transport: worker.transport, db: 'd', timeoutMs: 5_000 });
    let aDone = false;
    const a = rpc.call('write', 'a', []).then(() => {
      aDone = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(worker.log).toEqual(['write a on 1']);
    // An update takes over: registration.active changes before the old worker's statechange
    // reaches the page, and a second write goes out in between. Its ensureSession drops line 1.
    worker.activateSuccessor();
    const b = rpc.call('write', 'b', []);
    await vi.advanceTimersByTimeAsync(0);
    // Line 1 is closed: "a" can no longer be answered on it. It must move to worker 2 now, not
    // after its 5 s timeout (its `lost` guard was unsubscribed by the close).
    expect(worker.log).toContain('write a on 2');
    worker.markOldRedundant();
    worker.release('a', 2);
    worker.release('b', 2);
    await vi.advanceTimersByTimeAsync(0);
    expect(aDone).toBe(true);
    await Promise.all([a, b]);
  });

  it('retries at once a call whose line another call timed out on', async () => {
    vi.useFakeTimers();
    const worker = replaceableWorker();
    const rpc = new RpcConnection({ transport: worker.transport, db: 'd', timeoutMs: 5_000 });
    const results: string[] = [];
    const a = rpc.call('write', 'a', []).then(() => results.push('a'));
    await vi.advanceTimersByTimeAsync(3_000);
    const b = rpc.call('write', 'b', []).then(() => results.push('b'));
    await vi.advanceTimersByTimeAsync(2_000);
    // "a" timed out and dropped line 1, on which "b" still waits: "b" has lost its answer.
    expect(worker.opened()).toBe(2);
    expect(worker.log.filter((e) => e.startsWith('write b'))).toHaveLength(2);
    worker.release('a', 1);
    worker.release('b', 1);
    worker.release('a', 2);
    worker.release('b', 2);
    await vi.advanceTimersByTimeAsync(0);
    expect(results.sort()).toEqual(['a', 'b']);
    await Promise.all([a, b]);
  });
});

describe('RpcConnection.close during a handshake', () => {
  it('leaves no line open and sends nothing once closed', async () => {
    const worker = replaceableWorker();
    let letOpen: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      letOpen = resolve;
    });
    const transport: Transport = {
      current: worker.transport.current,
      open: async () => {
        await gate;
        return worker.transport.open();
      },
    };
    const rpc = new RpcConnection({ transport, db: 'd' });
    const call = rpc.call('write', 'a', []).catch((e: unknown) => e);
    rpc.close();
    letOpen();
    const error = await call;
    expect(error).toMatchObject({ code: 'CLIENT_CLOSED' });
    // The write was not sent after close, and the line opened late was closed again.
    expect(worker.log).toEqual([]);
    expect(worker.closedLines()).toBe(worker.opened());
  });
});

describe('RpcConnection when the worker is lost during onHello', () => {
  it('retries at once instead of waiting out the timeout of the headers sent after hello', async () => {
    const worker = fakeWorker();
    let setHeaders = 0;
    // The first setHeaders reaches a worker that is then replaced: no answer ever comes.
    worker.setAnswer((m) => m !== 'setHeaders' || ++setHeaders > 1);
    const lines = replaceableLines(worker);
    // A timeout no test waits for: only the loss can end the first handshake.
    const rpc = new RpcConnection({
      transport: lines.transport,
      db: 'd',
      timeoutMs: 60_000,
      onHello: (_hello, api) => api.setHeaders('d', { authorization: 'x' }),
    });
    const status = rpc.call('status');
    await vi.waitFor(() => expect(worker.log).toContain('setHeaders'));
    lines.replace();
    await status;
    expect(worker.log).toEqual(['hello', 'setHeaders', 'hello', 'setHeaders', 'status']);
  });
});
