import { build } from 'esbuild';

/**
 * Bundles a browser entry (page script or worker) from the TypeScript sources, resolving
 * `swsync/*` to the sources the way an app's bundler resolves the published package.
 */
export async function bundle(entry: string, format: 'esm' | 'iife' = 'iife'): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format,
    platform: 'browser',
    target: 'chrome120',
    conditions: ['swsync-source'],
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced nothing for ${entry}`);
  return output.text;
}
