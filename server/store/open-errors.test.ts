import { expect, it } from 'vitest';
import { openPostgresStore } from './postgres.ts';

it('refuses to open PostgreSQL without a URL instead of connecting to the defaults', async () => {
  for (const url of [undefined, '']) {
    await expect(openPostgresStore({ url: url as unknown as string })).rejects.toThrow(
      /openPostgresStore needs `url`/,
    );
  }
});
