import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The page bundle. The worker is bundled on its own by `build.ts` (it needs the page's file list). */
export default defineConfig({
  root: here('./web'),
  resolve: { conditions: ['swsync-source', 'module', 'browser', 'import', 'default'] },
  build: { outDir: here('./dist'), emptyOutDir: true, target: 'es2022' },
  logLevel: 'warn',
});
