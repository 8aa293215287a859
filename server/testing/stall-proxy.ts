import net from 'node:net';

/** A loopback TCP proxy to PostgreSQL whose open connections can be made to stall. */
export interface StallProxy {
  /** Port on 127.0.0.1 to connect to instead of PostgreSQL's. */
  port: number;
  /**
   * From now on, connections already open forward nothing either way and never close (a host
   * that vanished: packets dropped, no RST); connections opened later pass normally.
   */
  freezeOpen(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy to `target` (default 127.0.0.1:5432) on a free loopback port.
 *
 * @example
 * const proxy = await startStallProxy();
 * const sql = postgres(`postgres://postgres@127.0.0.1:${proxy.port}/db`);
 * proxy.freezeOpen(); // sql's connection now hangs; a new one works
 */
export async function startStallProxy(target = { host: '127.0.0.1', port: 5432 }) {
  const links = new Set<{ client: net.Socket; upstream: net.Socket; frozen: boolean }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    const link = { client, upstream, frozen: false };
    links.add(link);
    // Frozen bytes are dropped, as a vanished host would drop them.
    client.on('data', (chunk) => {
      if (!link.frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!link.frozen) client.write(chunk);
    });
    // A frozen link never closes its other side (no FIN or RST gets through); close() does.
    const drop = () => {
      if (link.frozen) return;
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', drop);
      socket.on('close', drop);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: StallProxy = {
    port: (server.address() as net.AddressInfo).port,
    freezeOpen() {
      for (const link of links) link.frozen = true;
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
