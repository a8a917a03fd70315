import { defineConfig } from 'vitest/config'

/** `npm run test:e2e`: the client against a running Rust server (see e2e/demo.test.ts). */
export default defineConfig({
  test: { name: 'client-e2e', environment: 'node', include: ['e2e/**/*.test.ts'] },
})
