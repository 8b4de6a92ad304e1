import { defineConfig } from 'vitest/config';

/**
 * Real-data checks: load public data sets into a fresh embedded engine and compare the report with sums computed
 * straight from the files. Slow (engine start, thousands of rows), so they live apart from the unit suite
 * (`npm test`), whose config excludes test/real-data. Run with `npm run test:real-data`.
 */
export default defineConfig({
  test: {
    include: ['test/real-data/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The embedded engine is a native library with process-wide state; one forked process per file keeps it isolated.
    pool: 'forks',
  },
});
