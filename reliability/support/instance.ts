import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./instance-main.ts', import.meta.url));

export interface InstanceStats {
  pid: number;
  /** Bytes. */
  rss: number;
  heapUsed: number;
  /** CPU time the process used so far (user + system), ms. */
  cpuMs: number;
  /** Unexpected errors the instance logged: each was answered 500. */
  errors: string[];
}

export interface ServerInstance {
  /** `http://127.0.0.1:<port>` (the same across restarts). */
  url: string;
  endpoint: string;
  port: number;
  stats(): Promise<InstanceStats>;
  /** SIGKILL: the process dies at once, mid-request, as a crashed or evicted server does. */
  kill(): Promise<void>;
  /** Starts the process again on the same port. */
  start(): Promise<void>;
  /** SIGTERM and wait (clean shutdown at the end of a test). */
  stop(): Promise<void>;
  /** Stderr of every run so far (for failure messages). */
  readonly log: string[];
}

/**
 * Runs {@link instance-main.ts} as a child process (node + tsx) on 127.0.0.1: a server instance
 * with its own memory, that a test can kill and start again. `dbUrl` absent: its own PGlite.
 *
 * @example
 * const a = await startInstance({ dbUrl: database.url });
 * await fetch(`${a.endpoint}/pull`, ...);
 * await a.stop();
 */
export async function startInstance(options: { dbUrl?: string; pool?: number } = {}) {
  let child: ChildProcess | undefined;
  let port = 0;
  const log: string[] = [];
  const launch = () =>
    new Promise<number>((resolve, reject) => {
      const env = {
        ...process.env,
        RELIABILITY_PORT: String(port),
        RELIABILITY_POOL: String(options.pool ?? 8),
        ...(options.dbUrl ? { RELIABILITY_DB_URL: options.dbUrl } : {}),
      };
      const proc = spawn(
        process.execPath,
        ['--conditions=swsync-source', '--import', 'tsx', MAIN],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child = proc;
      const timer = setTimeout(
        () => reject(new Error(`instance did not start: ${log.join('')}`)),
        30_000,
      );
      let out = '';
      proc.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /LISTENING (\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      proc.stderr.on('data', (chunk: Buffer) => {
        if (log.join('').length < 100_000) log.push(chunk.toString());
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`instance exited (${code}) before listening: ${log.join('')}`));
      });
    });
  const exited = (proc: ChildProcess | undefined) =>
    new Promise<void>((resolve) => {
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
    });

  port = await launch();
  const url = `http://127.0.0.1:${port}`;
  const instance: ServerInstance = {
    url,
    endpoint: `${url}/api/sync`,
    port,
    log,
    async stats() {
      const response = await fetch(`${url}/stats`);
      return (await response.json()) as InstanceStats;
    },
    async kill() {
      const proc = child;
      proc?.kill('SIGKILL');
      await exited(proc);
    },
    async start() {
      await launch();
    },
    async stop() {
      const proc = child;
      proc?.kill('SIGTERM');
      const timer = setTimeout(() => proc?.kill('SIGKILL'), 6_000);
      await exited(proc);
      clearTimeout(timer);
    },
  };
  return instance;
}
