import { defineConfig } from 'vitest/config'

/** One vitest run over the three packages; each package has its own environment. */
export default defineConfig({
  test: {
    projects: ['client', 'react', 'vue'],
  },
})
