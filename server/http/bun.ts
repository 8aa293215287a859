import type { Context } from 'hono';

/** What `/events` needs of Bun's `Server`, which Hono hands over as `c.env` under `Bun.serve`. */
interface BunServer {
  timeout(request: Request, seconds: number): void;
  upgrade(request: Request): boolean;
}

const isBunServer = (env: unknown): env is BunServer =>
  typeof env === 'object' &&
  env !== null &&
  typeof (env as Partial<BunServer>).timeout === 'function' &&
  typeof (env as Partial<BunServer>).upgrade === 'function';

/**
 * Lifts Bun's idle timeout (10 s by default, shorter than the 25 s heartbeat) for this one
 * request, so a quiet SSE stream is not cut. A no-op elsewhere, and on Bun when `fetch` was
 * wrapped without passing the server on (then set `idleTimeout` above the heartbeat).
 */
export function keepOpenOnBun(c: Context): void {
  const env: unknown = c.env;
  if (isBunServer(env)) env.timeout(c.req.raw, 0);
}
