import { defineConfig } from 'vitest/config';

/**
 * Every suite that touches ClickHouse runs twice: on the in-process engine (project "embedded", with every other
 * suite) and on a real ClickHouse server that the tests start from the installed package (project "server",
 * test/helpers/db.ts), with the same assertions.
 */
const CLICKHOUSE_SUITES = [
  'test/report-numbers.test.ts',
  'test/signatures-backtest.test.ts',
  'test/episodes-ground-truth.test.ts',
  'test/ingest.test.ts',
  'test/ingest-cli.test.ts',
  'test/scheduler/worker.test.ts',
  'test/source-attach.test.ts',
  'test/source-check.test.ts',
];

// Each test file runs in its own process: the embedded ClickHouse engine allows one data directory per process.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'embedded',
          include: ['test/**/*.test.ts'],
          exclude: ['test/real-data/**', 'test/quickstart/**', 'node_modules/**'],
          env: { ATTACK_REPORT_TEST_BACKEND: 'embedded' },
        },
      },
      {
        extends: true,
        test: { name: 'server', include: CLICKHOUSE_SUITES, env: { ATTACK_REPORT_TEST_BACKEND: 'server' } },
      },
    ],
  },
});
