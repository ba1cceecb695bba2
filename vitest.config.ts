import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Test-bed suites boot containers and loop devices; forks keep a crashed suite's
    // teardown handlers (process exit hooks) inside its own process.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 600_000,
    teardownTimeout: 120_000,
  },
});
