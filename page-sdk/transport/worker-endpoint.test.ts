import { releaseProxy, wrap } from 'comlink';
import { RPC_ENVELOPE_TAG, type RpcEnvelope } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { serveRpc } from '../../sw/host/rpc-endpoint.ts';
import { type ReplySource, workerEndpoint } from './worker-endpoint.ts';

describe('workerEndpoint', () => {
  it('posts nothing once closed: a dropped line’s proxy, released later, stays silent', () => {
    const posted: unknown[] = [];
    const endpoint = workerEndpoint(
      { postMessage: (message) => posted.push(message) },
      { addEventListener() {}, removeEventListener() {} },
      'line-1',
    );
    const remote = wrap<{ ping(): string }>(endpoint);
    void remote.ping();
    expect(posted).toHaveLength(1);
    endpoint.close();
    // What Comlink does when the proxy is released or garbage-collected.
    remote[releaseProxy]();
    expect(posted).toHaveLength(1);
  });
});

describe('workerEndpoint reply ports', () => {
  /** A channel whose ports are plain objects: the test plays the worker's side. */
  function fakeChannels() {
    const made: { port1: { onmessage: ((e: MessageEvent) => void) | null; closed: boolean } }[] =
      [];
    const make = () => {
      const port1 = {
        onmessage: null as ((e: MessageEvent) => void) | null,
        closed: false,
        close() {
          this.closed = true;
        },
      };
      const channel = { port1, port2: { n: made.length } as unknown as Transferable };
      made.push(channel);
      return channel;
    };
    return { made, make };
  }

  function setUp() {
    const posted: { envelope: RpcEnvelope; transfer: Transferable[] }[] = [];
    const container = new EventTarget();
    const channels = fakeChannels();
    const endpoint = workerEndpoint(
      {
        postMessage: (envelope, transfer) =>
          posted.push({ envelope: envelope as RpcEnvelope, transfer }),
      },
      container as unknown as ReplySource,
      'line',
      { replyChannel: channels.make },
    );
    const received: unknown[] = [];
    endpoint.addEventListener('message', (e) => received.push((e as MessageEvent).data.id));
    const send = (id: string) => endpoint.postMessage({ id, type: 'GET' });
    const viaContainer = (id: string, askPort: boolean) =>
      container.dispatchEvent(
        Object.assign(new Event('message'), {
          data: {
            tag: RPC_ENVELOPE_TAG,
            channel: 'line',
            data: { id },
            ...(askPort && { askPort }),
          },
        }),
      );
    const viaPort = (n: number, id: string) =>
      channels.made[n]!.port1.onmessage?.({
        data: { tag: RPC_ENVELOPE_TAG, channel: 'line', data: { id } },
      } as MessageEvent);
    const carried = () => posted.map((p) => (p.envelope.replyPort ? p.transfer.length : 0));
    return { endpoint, posted, channels, received, send, viaContainer, viaPort, carried };
  }

  it('gives the worker a port with the first request and takes replies on it', () => {
    const t = setUp();
    t.send('1');
    t.send('2');
    expect(t.carried()).toEqual([1, 0]);
    expect(t.posted[0]!.envelope.replyPort).toBe(t.posted[0]!.transfer[0]);
    t.viaPort(0, '1');
    t.viaPort(0, '2');
    expect(t.received).toEqual(['1', '2']);
    t.endpoint.close();
    expect(t.channels.made[0]!.port1.closed).toBe(true);
  });

  it('sends a new port when a worker without one answers a request made after the last port', () => {
    const t = setUp();
    t.send('1');
    t.send('2');
    // An old worker (no ports) answers without asking: the page does not keep sending ports.
    t.viaContainer('1', false);
    t.send('3');
    expect(t.carried()).toEqual([1, 0, 0]);
    // A restarted worker answers '2' (sent after the port) and asks for one.
    t.viaContainer('2', true);
    t.send('4');
    t.send('5');
    expect(t.carried()).toEqual([1, 0, 0, 1, 0]);
    // '3' was answered before the new port arrived: no third port.
    t.viaContainer('3', true);
    t.send('6');
    expect(t.carried()).toEqual([1, 0, 0, 1, 0, 0]);
    expect(t.received).toEqual(['1', '2', '3']);
    // The first port stays open until the new one has answered.
    expect(t.channels.made[0]!.port1.closed).toBe(false);
    t.viaPort(1, '4');
    expect(t.channels.made[0]!.port1.closed).toBe(true);
    expect(t.channels.made[1]!.port1.closed).toBe(false);
    expect(t.received).toEqual(['1', '2', '3', '4']);
  });

  it('sends no port without a channel to make one', () => {
    const posted: RpcEnvelope[] = [];
    const endpoint = workerEndpoint(
      { postMessage: (envelope) => posted.push(envelope as RpcEnvelope) },
      { addEventListener() {}, removeEventListener() {} },
      'line',
      { replyChannel: null },
    );
    endpoint.postMessage({ id: '1', type: 'GET' });
    expect(posted[0]!.replyPort).toBeUndefined();
  });

  it('keeps answering through a worker restart, over real ports and Comlink', async () => {
    // The worker side: serveRpc on a scope that a restart replaces (its ports are gone).
    const page = new EventTarget();
    const client = {
      id: 'page-1',
      postMessage: (message: unknown) =>
        page.dispatchEvent(Object.assign(new Event('message'), { data: message })),
    };
    let scope = new EventTarget();
    const api = { echo: async (v: string) => `echo:${v}` };
    const start = () => {
      scope = Object.assign(new EventTarget(), { location: { origin: 'https://app.test' } });
      return serveRpc(api, { scope: scope as EventTarget & { location: { origin: string } } });
    };
    let stop = start();
    const viaClient: unknown[] = [];
    page.addEventListener('message', (e) => viaClient.push((e as MessageEvent).data.data.id));
    const endpoint = workerEndpoint(
      {
        postMessage: (data) =>
          scope.dispatchEvent(
            Object.assign(new Event('message'), {
              data,
              origin: 'https://app.test',
              source: client,
            }),
          ),
      },
      page as unknown as ReplySource,
      'line',
    );
    const remote = wrap<typeof api>(endpoint);
    await expect(remote.echo('a')).resolves.toBe('echo:a');
    await expect(remote.echo('b')).resolves.toBe('echo:b');
    expect(viaClient).toEqual([]);
    stop();
    stop = start();
    await expect(remote.echo('c')).resolves.toBe('echo:c');
    expect(viaClient).toHaveLength(1);
    await expect(remote.echo('d')).resolves.toBe('echo:d');
    expect(viaClient).toHaveLength(1);
    stop();
    endpoint.close();
  });
});
