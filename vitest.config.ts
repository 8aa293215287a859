import { defineConfig } from 'vitest/config';
import { isPostgresJsWriteRace } from './server/store/driver-race.ts';

export default defineConfig({
  resolve: { conditions: ['swsync-source'] },
  ssr: { resolve: { conditions: ['swsync-source'] } },
  test: {
    include: ['{schema,sw,page-sdk,server,demo,bench}/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // server/push/faults.test.ts kills a backend on purpose; the statement's own failure is
    // what it asserts, and this stray driver throw is not ours (see isPostgresJsWriteRace).
    onUnhandledError: (error) => !isPostgresJsWriteRace(error),
  },
});
