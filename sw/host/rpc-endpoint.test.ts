import { releaseProxy, wrap } from 'comlink';
import { RPC_ENVELOPE_TAG, type RpcEnvelope } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { serveRpc } from './rpc-endpoint.ts';

class CodedError extends Error {
  readonly code = 'BAD_THING';
  readonly details = { field: 'title' };
}

const api = {
  async echo(value: string) {
    return `echo:${value}`;
  },
  async fail(): Promise<string> {
    throw new CodedError('nope');
  },
};

/** A worker scope in Node: an EventTarget receiving message events like a Service Worker's. */
function fakeScope(origin = 'https://app.test') {
  const scope = Object.assign(new EventTarget(), { location: { origin } });
  const deliver = (data: unknown, from: { origin: string; source: unknown }) => {
    const event = Object.assign(new Event('message'), { data, ...from });
    scope.dispatchEvent(event);
  };
  return { scope, deliver };
}

/** A page-side client: its postMessage receives the worker's replies. */
function fakeClient() {
  const inbox: RpcEnvelope[] = [];
  return { inbox, postMessage: (message: RpcEnvelope) => inbox.push(message) };
}

const request = (channel: string, id: string, argumentList: unknown[] = []) => ({
  tag: RPC_ENVELOPE_TAG,
  channel,
  data: {
    id,
    type: 'APPLY',
    path: ['echo'],
    argumentList: argumentList.map((v) => ({ type: 'RAW', value: v })),
  },
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('serveRpc', () => {
  it('answers each request to the client that sent it, on its channel', async () => {
    const { scope, deliver } = fakeScope();
    serveRpc(api, { scope });
    const a = fakeClient();
    const b = fakeClient();
    deliver(request('ch-a', 'id-1', ['a']), { origin: 'https://app.test', source: a });
    deliver(request('ch-b', 'id-2', ['b']), { origin: 'https://app.test', source: b });
    await settle();
    expect(a.inbox).toEqual([
      {
        tag: RPC_ENVELOPE_TAG,
        channel: 'ch-a',
        data: { id: 'id-1', type: 'RAW', value: 'echo:a' },
        askPort: true,
      },
    ]);
    expect(b.inbox.map((m) => [m.channel, m.data.value])).toEqual([['ch-b', 'echo:b']]);
  });

  it('answers a channel on the port its client gave, and its client only', async () => {
    const { scope, deliver } = fakeScope();
    serveRpc(api, { scope });
    const onPort: RpcEnvelope[] = [];
    const port = { postMessage: (message: RpcEnvelope) => onPort.push(message) };
    const a = Object.assign(fakeClient(), { id: 'client-a' });
    const b = Object.assign(fakeClient(), { id: 'client-b' });
    const from = (source: unknown) => ({ origin: 'https://app.test', source });
    deliver({ ...request('ch', 'p1', ['1']), replyPort: port }, from(a));
    deliver(request('ch', 'p2', ['2']), from(a));
    // Another client naming the same channel does not get its answers on a's port.
    deliver(request('ch', 'p3', ['3']), from(b));
    await settle();
    expect(onPort).toEqual([
      { tag: RPC_ENVELOPE_TAG, channel: 'ch', data: { id: 'p1', type: 'RAW', value: 'echo:1' } },
      { tag: RPC_ENVELOPE_TAG, channel: 'ch', data: { id: 'p2', type: 'RAW', value: 'echo:2' } },
    ]);
    expect(a.inbox).toEqual([]);
    expect(b.inbox.map((m) => [m.data.id, m.askPort])).toEqual([['p3', true]]);
  });

  it('ignores other origins, messages outside the envelope and sourceless messages', async () => {
    const { scope, deliver } = fakeScope();
    serveRpc(api, { scope });
    const client = fakeClient();
    deliver(request('c', 'x1', ['x']), { origin: 'https://evil.test', source: client });
    deliver(request('c', 'x2', ['x']).data, { origin: 'https://app.test', source: client });
    deliver(request('c', 'x3', ['x']), { origin: 'https://app.test', source: null });
    await settle();
    expect(client.inbox).toEqual([]);
  });

  it('accepts listed extra origins and stops serving after unsubscribe', async () => {
    const { scope, deliver } = fakeScope();
    const stop = serveRpc(api, { scope, allowedOrigins: [/^https:\/\/.*\.partner\.test$/] });
    const client = fakeClient();
    deliver(request('c', 'y1', ['p']), { origin: 'https://a.partner.test', source: client });
    await settle();
    stop();
    deliver(request('c', 'y2', ['q']), { origin: 'https://a.partner.test', source: client });
    await settle();
    expect(client.inbox.map((m) => m.data.value)).toEqual(['echo:p']);
  });

  it('keeps the worker alive until the call answered', async () => {
    const { scope } = fakeScope();
    serveRpc(api, { scope });
    const waits: Promise<unknown>[] = [];
    const event = Object.assign(new Event('message'), {
      data: request('c', 'z1', ['w']),
      origin: 'https://app.test',
      source: fakeClient(),
      waitUntil: (p: Promise<unknown>) => waits.push(p),
    });
    scope.dispatchEvent(event);
    expect(waits).toHaveLength(1);
    await expect(waits[0]).resolves.toBeUndefined();
  });

  /** A real Comlink proxy on `channel`, as a page's line: its replies come back to it alone. */
  function pageLine(deliver: ReturnType<typeof fakeScope>['deliver'], channel: string) {
    const page = new EventTarget();
    const client = {
      postMessage: (message: RpcEnvelope) => {
        if (message.channel !== channel) return;
        page.dispatchEvent(Object.assign(new Event('message'), { data: message.data }));
      },
    };
    return wrap<typeof api>({
      postMessage: (data: unknown) =>
        deliver(
          { tag: RPC_ENVELOPE_TAG, channel, data },
          { origin: 'https://app.test', source: client },
        ),
      addEventListener: page.addEventListener.bind(page),
      removeEventListener: page.removeEventListener.bind(page),
    });
  }

  it('carries error codes and details through a real Comlink proxy', async () => {
    const { scope, deliver } = fakeScope();
    serveRpc(api, { scope });
    const remote = pageLine(deliver, 'p');
    await expect(remote.echo('hi')).resolves.toBe('echo:hi');
    const error = await remote.fail().catch((e: unknown) => e);
    expect(error).toMatchObject({
      message: 'nope',
      code: 'BAD_THING',
      details: { field: 'title' },
    });
  });

  it('goes on answering every page after one page’s proxy is released', async () => {
    // Comlink posts RELEASE when a proxy is released or garbage-collected (a page dropped its
    // line); Comlink's own expose would then stop listening to every page of the origin.
    const { scope, deliver } = fakeScope();
    serveRpc(api, { scope });
    const gone = pageLine(deliver, 'old-line');
    await expect(gone.echo('before')).resolves.toBe('echo:before');
    // Comlink's release does not wait for the acknowledgement: let the worker take it first.
    gone[releaseProxy]();
    await settle();
    const other = pageLine(deliver, 'new-line');
    await expect(other.echo('after')).resolves.toBe('echo:after');
  });
});
