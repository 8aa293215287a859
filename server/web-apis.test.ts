import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Where runtime-specific code may live: the drivers and the Node-only test helpers. */
const EDGES = ['store/', 'testing/', 'http/testing/'];

/** Node-only APIs; the server core must run on any runtime Hono runs on (Web APIs only). */
const NODE_ONLY = [
  /\bBuffer\b/,
  /from '(node:)?(fs|path|crypto|http|net|os|stream)'/,
  /(?<!\.)\bprocess\.(env|argv|exit|on|cwd|nextTick)\b/,
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The code lines of a file: JSDoc and line comments may mention Node freely. */
function codeLines(text: string): string[] {
  return text.split('\n').filter((line) => !/^\s*(\*|\/\*\*|\/\/)/.test(line));
}

describe('the server core', () => {
  it('uses Web APIs only outside store/, testing/ and http/testing/', () => {
    const root = import.meta.dirname;
    const offenders: string[] = [];
    for (const file of sources(root)) {
      const path = relative(root, file).replaceAll('\\', '/');
      if (EDGES.some((edge) => path.startsWith(edge))) continue;
      for (const line of codeLines(readFileSync(file, 'utf8'))) {
        if (NODE_ONLY.some((pattern) => pattern.test(line)))
          offenders.push(`${path}: ${line.trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
