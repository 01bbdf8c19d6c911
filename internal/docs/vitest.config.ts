import { defineConfig } from 'vitest/config'

// The README blocks run one at a time against shared servers, and the site test builds the
// whole site and drives a browser: generous timeouts, one test file at a time (2-core CI).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
})
