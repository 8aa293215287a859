import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as viteBuild } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const outDir = here('./dist');

/**
 * Builds the demo: the page with Vite, then the worker with the page's files as its precache
 * manifest, so the app shell loads offline. Files with a content hash in their name need no
 * revision; the others (index.html) are revisioned by their content.
 */
export async function buildDemo(): Promise<void> {
  await viteBuild({ configFile: here('./vite.config.ts') });
  const manifest = await precacheManifest(outDir);
  // Rolldown (Vite) rather than esbuild for the worker: it tree-shakes zod's locales away.
  await viteBuild({
    configFile: false,
    logLevel: 'warn',
    resolve: { conditions: ['swsync-source', 'module', 'browser', 'import', 'default'] },
    define: {
      __PRECACHE_MANIFEST__: JSON.stringify(manifest),
      'process.env.NODE_ENV': JSON.stringify('production'),
    },
    build: {
      outDir,
      emptyOutDir: false,
      target: 'es2022',
      lib: {
        entry: here('./web/sw.ts'),
        formats: ['iife'],
        name: 'swsyncWorker',
        fileName: () => 'sw.js',
      },
    },
  });
}

async function precacheManifest(dir: string) {
  const entries: { url: string; revision: string | null }[] = [];
  for (const file of await listFiles(dir)) {
    const url = `/${relative(dir, file).split('\\').join('/')}`;
    if (url === '/sw.js') continue;
    const hashed = /-[A-Za-z0-9_-]{8,}\.\w+$/.test(url);
    const revision = hashed
      ? null
      : createHash('sha256')
          .update(await readFile(file))
          .digest('hex')
          .slice(0, 16);
    entries.push({ url, revision });
  }
  return entries;
}

async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) files.push(...(await listFiles(path)));
    else files.push(path);
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDemo();
