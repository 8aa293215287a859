import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { isPostgresJsWriteRace } from '../server/store/driver-race.ts';

/**
 * The reliability suite (`npm run test:reliability`): fault proxy, dropped engines, database
 * outages, load and properties. Files run one at a time: the load test measures, and each file
 * holds a PGlite of its own (~0.5 GB) when no DATABASE_URL is set.
 */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: { conditions: ['swsync-source'] },
  ssr: { resolve: { conditions: ['swsync-source'] } },
  test: {
    include: ['reliability/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The database-outage test kills backends on purpose (see vitest.config.ts at the root).
    onUnhandledError: (error) => !isPostgresJsWriteRace(error),
  },
});
