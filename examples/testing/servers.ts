import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));

export interface ExampleServer {
  name: string;
  baseUrl: string;
  /** Everything the server printed, for a failure's message. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `npm run example:<runtime>` (the command each example's README gives) on a loopback
 * port, in its own process group so that stopping it ends the runtime under npm too. Resolves
 * once the sync routes answer (an unauthenticated pull gets its 401), or throws after
 * `startTimeoutMs` with the server's output.
 */
export async function startExample(
  name: string,
  runtime: string,
  port: number,
  env: Record<string, string | undefined>,
  startTimeoutMs: number,
): Promise<ExampleServer> {
  const child: ChildProcess = spawn('npm', ['run', '-s', `example:${runtime}`], {
    cwd: repo,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), ...env },
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  const server: ExampleServer = {
    name,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => log,
    async stop() {
      if (exited || child.pid === undefined) return;
      const exit = once(child, 'exit');
      process.kill(-child.pid, 'SIGTERM');
      const killer = setTimeout(() => {
        if (!exited && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      }, 5_000);
      await exit;
      clearTimeout(killer);
    },
  };
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(`${server.baseUrl}/api/sync/pull`, {
        method: 'POST',
        signal: AbortSignal.timeout(5_000),
      });
      if (response.status === 401) return server;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await server.stop();
  throw new Error(`${name} did not start in ${startTimeoutMs} ms:\n${log}`);
}
