import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the proxy does with one request. Every answer that is delivered whole comes from the real
 * server, except `status`, which the proxy makes up without forwarding anything.
 */
export type ProxyFault =
  /** Forwarded, answered as the server answered. */
  | { kind: 'pass' }
  /** Forwarded; the server's answer is held `ms` before it is sent. */
  | { kind: 'delay'; ms: number }
  /**
   * Forwarded (the server applies it); the answer never comes: the connection stays silent for
   * `holdMs`, then closes. The client's own request timeout normally ends it first.
   */
  | { kind: 'drop'; holdMs: number }
  /** Forwarded; the status and headers come, then only half the body, then a clean end. */
  | { kind: 'truncate' }
  /**
   * The connection is reset (TCP RST): `before` the request reaches the server, or `after` the
   * server has answered (the work is done, the client never learns it).
   */
  | { kind: 'reset'; when: 'before' | 'after' }
  /** Answered by the proxy alone (`503`, `429`...), never forwarded; `Retry-After` if given. */
  | { kind: 'status'; status: number; retryAfter?: string };

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  /** Order of arrival, from 0. */
  index: number;
  method: string;
  /** Path and query, e.g. `/api/sync/push`. */
  path: string;
  /** The `x-rel-client` request header: who sent it (tests set it per client). */
  client: string | undefined;
  /** `Date.now()` when the request (headers and body) had arrived. */
  at: number;
  fault: ProxyFault;
}

/** Decides the fault of each request; it may look at the request and at earlier ones. */
export type ProxyPolicy = (request: Omit<ProxiedRequest, 'fault'>) => ProxyFault;

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point clients here instead of at the server. */
  url: string;
  /** Every request received, in order. */
  readonly requests: ProxiedRequest[];
  /** Replaces the policy; requests already in flight keep the fault they drew. */
  setPolicy(policy: ProxyPolicy): void;
  /** Requests of `client` that arrived in `[from, to]` (epoch ms). */
  countFor(client: string, from: number, to: number): number;
  /** Stops listening, ends pending holds and closes every connection. */
  close(): Promise<void>;
}

export const PASS: ProxyPolicy = () => ({ kind: 'pass' });

/** Request headers not forwarded: hop-by-hop, and the body length the proxy sets itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'content-length',
]);

/**
 * A fault-injecting HTTP proxy on 127.0.0.1 (a real TCP server, node:http): clients talk to it
 * as to the server, and each request draws a {@link ProxyFault} from the policy. Request bodies
 * and answers are buffered whole (so it is for request/response routes, not for the SSE
 * `/events` stream). Only forwards to `target`, which must be a loopback URL.
 *
 * @example
 * const proxy = await startFaultProxy('http://127.0.0.1:4000', () => ({ kind: 'status', status: 503 }));
 * const engine = await createEngine({ schema, endpoint: `${proxy.url}/api/sync` });
 * proxy.setPolicy(PASS);
 * await proxy.close();
 */
export async function startFaultProxy(
  target: string,
  initialPolicy: ProxyPolicy = PASS,
): Promise<FaultProxy> {
  const upstream = new URL(target);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(upstream.hostname)) {
    throw new Error(`the fault proxy forwards to loopback only, not ${upstream.hostname}`);
  }
  let policy = initialPolicy;
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const holds = new Set<ReturnType<typeof setTimeout>>();
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      holds.delete(timer);
      fn();
    }, ms);
    holds.add(timer);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readAll(req);
    const seen = {
      index: requests.length,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      client: header(req.headers, 'x-rel-client'),
      at: Date.now(),
    };
    const fault = policy(seen);
    requests.push({ ...seen, fault });

    if (fault.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      res.writeHead(fault.status, headers);
      res.end(JSON.stringify({ error: `injected ${fault.status}` }));
      return;
    }
    if (fault.kind === 'reset' && fault.when === 'before') {
      req.socket.resetAndDestroy();
      return;
    }
    let answer: Answer;
    try {
      answer = await forward(upstream, agent, req, body);
    } catch {
      // The server is down (a restart): the client sees its connection fail, as without a proxy.
      req.socket.destroy();
      return;
    }
    switch (fault.kind) {
      case 'pass':
        return send(res, answer);
      case 'delay':
        return later(fault.ms, () => send(res, answer));
      case 'drop':
        return later(fault.holdMs, () => req.socket.destroy());
      case 'truncate': {
        const { 'content-length': _, ...headers } = answer.headers;
        res.writeHead(answer.status, headers);
        res.end(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
        return;
      }
      case 'reset':
        req.socket.resetAndDestroy();
        return;
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setPolicy(next) {
      policy = next;
    },
    countFor(client, from, to) {
      return requests.filter((r) => r.client === client && r.at >= from && r.at <= to).length;
    },
    close() {
      for (const timer of holds) clearTimeout(timer);
      holds.clear();
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(upstream: URL, agent: Agent, req: IncomingMessage, body: Buffer): Promise<Answer> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  headers['content-length'] = String(body.length);
  headers.host = upstream.host;
  return new Promise((resolve, reject) => {
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      },
      (res) => {
        readAll(res).then((answerBody) => {
          const answerHeaders: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined && !HOP_BY_HOP.has(name)) answerHeaders[name] = value;
          }
          resolve({ status: res.statusCode ?? 502, headers: answerHeaders, body: answerBody });
        }, reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.destroyed) return;
  res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
  res.end(answer.body);
}
