import {
  idleSyncStatus,
  PAGE_PROTOCOL_VERSION,
  type SyncStatus,
  type WorkerRpc,
} from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { UnavailableError, VersionMismatchError, WorkerError } from '../errors.ts';
import { RpcConnection } from './connection.ts';
import type { RpcLine, Transport } from './transport.ts';

const status: SyncStatus = idleSyncStatus();

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
