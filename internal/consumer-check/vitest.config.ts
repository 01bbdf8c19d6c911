import { defineConfig } from 'vitest/config'

// One test file that packs, installs (npm, from the local cache where it can) and compiles:
// generous timeouts, and nothing in parallel (CI machines have 2 cores).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
})
