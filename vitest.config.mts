import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Files that log in to the real test hosts (scripts/testbed). They run after the unit files and
// one at a time: one of them re-keys a host for a moment, which would trip the others.
const TESTBED = ['**/*.integration.test.ts', 'e2e/testbed/**/*.test.ts'];

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite instances are ~300 MB each: two forks keep memory and CPU in check on a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['**/*.test.ts'], exclude: ['node_modules/**', '.next/**', ...TESTBED], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'testbed', include: TESTBED, exclude: ['node_modules/**'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
