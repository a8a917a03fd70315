import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

export default defineProject({
  // Tests run against the client's sources, so no build is needed first.
  resolve: { alias: { '@live/client': fileURLToPath(new URL('../client/src/index.ts', import.meta.url)) } },
  // Generous: CI machines are busy, and no test asserts on time.
  test: { testTimeout: 30_000, name: 'react', environment: 'happy-dom', include: ['test/**/*.test.{ts,tsx}'] },
})
