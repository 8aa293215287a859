import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** File in DATA_DIR holding the generated session secret. */
export const SECRET_FILE = 'session-secret';

/**
 * The session secret: `SESSION_SECRET` when set; otherwise one generated on first start and kept
 * in `dataDir`, so tokens survive restarts. Instances that must accept each other's tokens share
 * `SESSION_SECRET`.
 *
 * @example
 * const secret = await loadSessionSecret({ envSecret: process.env.SESSION_SECRET, dataDir: '.data' });
 */
export async function loadSessionSecret(options: {
  envSecret?: string | undefined;
  dataDir: string;
}): Promise<string> {
  if (options.envSecret) return options.envSecret;
  const path = join(options.dataDir, SECRET_FILE);
  try {
    const stored = (await readFile(path, 'utf8')).trim();
    if (stored.length >= 32) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(options.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  // 'wx': if another process created it meanwhile, keep theirs.
  try {
    await writeFile(path, `${secret}\n`, { flag: 'wx', mode: 0o600 });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readFile(path, 'utf8')).trim();
  }
}
