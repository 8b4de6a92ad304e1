import { defineConfig } from 'vitest/config';

// Each test file runs in its own process: the embedded ClickHouse engine allows one data directory per process.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/real-data/**', 'test/quickstart/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
