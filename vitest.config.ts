import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Integration suites each start their own embedded PostgreSQL; two at a time keeps a 2-core CI machine steady.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
