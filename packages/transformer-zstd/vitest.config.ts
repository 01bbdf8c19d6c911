import { defineConfig } from 'vitest/config'

// --expose-gc lets the bomb tests collect garbage before measuring memory.
export default defineConfig({ test: { execArgv: ['--expose-gc'] } })
