import { defineConfig } from 'vitest/config';

// Tests run on the TypeScript sources: the custom export condition points every
// @strongbox/* import at src/, so no build is needed before `npm test`.
export default defineConfig({
  resolve: { conditions: ['@strongbox/source'] },
  ssr: { resolve: { conditions: ['@strongbox/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.reports/vitest.json' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real clusters share two cores: run test files one or two at a time.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
