import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFile(new URL(path, import.meta.url), 'utf8');

describe('README', () => {
  it('documents every environment variable the demo server reads for `npm start`', async () => {
    const config = await read('./config.ts');
    const readme = await read('../../README.md');
    const names = [...new Set([...config.matchAll(/env\.([A-Z_]+)/g)].map((m) => m[1]))];
    expect(names).toEqual(expect.arrayContaining(['PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL']));
    const undocumented = names.filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(undocumented).toEqual([]);
  });
});
