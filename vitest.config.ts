import { defineConfig } from 'vitest/config';

// Tests run in a fixed time zone so that timestamp formatting is deterministic.
process.env.TZ = 'UTC';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // many files wait on child processes, sockets and disk (kill tests, s3rver, psql): three workers
    // overlap that waiting on a two-core machine
    maxWorkers: 3,
  },
});
