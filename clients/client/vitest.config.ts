import { defineProject } from 'vitest/config'

export default defineProject({
  // Generous: CI machines are busy, and no test asserts on time.
  test: { testTimeout: 30_000, name: 'client', environment: 'node', include: ['test/**/*.test.ts'] },
})
