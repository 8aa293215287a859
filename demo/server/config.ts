import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DemoConfig {
  port: number;
  /** Host to bind; default all interfaces. */
  host: string | undefined;
  /** Holds the PGlite data (`pglite/`) and the generated session secret. */
  dataDir: string;
  /** PostgreSQL instead of the embedded store when set. */
  databaseUrl: string | undefined;
  sessionSecret: string | undefined;
  /** `SECURE_COOKIE=1`: the session cookie gets `Secure` (deployments behind HTTPS). */
  secureCookie: boolean;
  /** The built demo app (`demo/dist`). */
  staticRoot: string;
}

/** Default port of the demo server. */
const DEFAULT_PORT = 8787;

/**
 * Reads the demo server's settings from the environment (PROTOCOL.md, "The demo server").
 *
 * @example
 * const config = readConfig(process.env); // { port: 8787, dataDir: '/abs/.data', ... }
 */
export function readConfig(env: Record<string, string | undefined>): DemoConfig {
  const port = env.PORT ? Number(env.PORT) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  }
  return {
    port,
    host: env.HOST || undefined,
    dataDir: resolve(env.DATA_DIR || '.data'),
    databaseUrl: env.DATABASE_URL || undefined,
    sessionSecret: env.SESSION_SECRET || undefined,
    secureCookie: env.SECURE_COOKIE === '1' || env.SECURE_COOKIE === 'true',
    staticRoot: fileURLToPath(new URL('../dist/', import.meta.url)),
  };
}
