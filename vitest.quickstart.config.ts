import { defineConfig } from 'vitest/config';

// The README's quick start at full size (about 20 s of seeding): run by .ci/run, not by `npm test`.
export default defineConfig({
  test: {
    include: ['test/quickstart/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
