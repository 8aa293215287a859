import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Bundles `entry` as examples/workers does, PGlite included as an app's bundler would, serves it
 * with workerd on `port`, and returns what a GET answers, then stops workerd. PGlite's bundle
 * imports `node:fs`, which workerd provides only with `enable_nodejs_fs_module`; without it the
 * worker fails to load at all ('No such module "node:fs"'). With it, PGlite itself fails at
 * `PGlite.create()` ("Invalid URL string": its file URLs), which openPGliteStore explains.
 */
export async function answerOnWorkerd(entry: string, port: number, timeoutMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'swsync-workerd-'));
  let child: ChildProcess | undefined;
  try {
    await build({
      entryPoints: [join(repo, entry)],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker'],
      mainFields: ['module', 'main'],
      // PGlite's Node paths import bare builtins; nodejs_compat provides them.
      external: ['node:*', 'cloudflare:sockets', ...builtinModules],
      outfile: join(dir, 'worker.js'),
      logLevel: 'silent',
    });
    writeFileSync(
      join(dir, 'config.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = (
    modules = [(name = "worker.js", esModule = embed "worker.js")],
    compatibilityDate = "2025-09-01",
    compatibilityFlags = ["nodejs_compat", "enable_nodejs_fs_module"],
  ))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);`,
    );
    child = spawn(join(repo, 'node_modules', '.bin', 'workerd'), ['serve', 'config.capnp'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`workerd exited: ${log}`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`, {
          signal: AbortSignal.timeout(5_000),
        });
        return { status: response.status, text: await response.text() };
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`workerd did not answer: ${log}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    if (child && child.exitCode === null) {
      const exit = once(child, 'exit');
      child.kill('SIGTERM');
      await exit;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
