import { defineConfig } from 'vitest/config'

// Some tests start real Redis servers (three of them): generous timeouts, one file at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
})
