import { defineConfig } from 'vitest/config';

// Loopback servers only; a slow consumer over TLS takes a few seconds, more on a loaded machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
  },
});
