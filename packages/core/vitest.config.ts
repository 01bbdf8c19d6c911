import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The type tests (test/*.test-d.ts) run with the rest: tsc checks them and each
    // expectTypeOf or @ts-expect-error counts as part of a test.
    typecheck: {
      enabled: true,
      include: ['test/**/*.test-d.ts'],
      tsconfig: './tsconfig.types-test.json',
    },
  },
})
