import { defineConfig } from 'vitest/config'

// These tests start real redis-server / valkey-server processes (including two 6-node
// clusters): generous timeouts, and one test file at a time (CI machines have 2 cores).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
})
