import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// The layers of the suite (README, "Tests"); scripts/test.mjs runs them as `--project <name>`.
//   unit         no root, no test bed, loopback only; in-memory PGlite
//   postgres     the files where the database backend matters, again on real Postgres
//   integration  files that need root or log in to the real test hosts (scripts/testbed)
const INTEGRATION = ['**/*.integration.test.ts', 'e2e/testbed/**/*.test.ts'];
const IGNORED = ['node_modules/**', '.next/**'];
// Migrations, start-up, locks, the job queue, login throttling, sealed columns and rotation,
// the outbox's row locking, and every hand-written query: what PGlite could hide.
const BACKEND_MATTERS = [
  'db/**/*.test.ts',
  'lib/boot/**/*.test.ts',
  'lib/keys/**/*.test.ts',
  'lib/auth/login.test.ts',
  // Two-factor: a code spent once under concurrent sign-ins (row locks).
  'lib/auth/two-factor.test.ts',
  'lib/servers/requests.test.ts',
  'lib/notify/deliver.test.ts',
  // Definitions: the apply lock and the all-or-nothing transaction.
  'lib/spec/definitions.test.ts',
];
// A renamed file must not drop out of the Postgres run unnoticed.
for (const glob of BACKEND_MATTERS) {
  if (fs.globSync(glob, { cwd: import.meta.dirname }).length === 0)
    throw new Error(`vitest.config.mts: BACKEND_MATTERS entry ${glob} matches no file`);
}
const postgresUrl = process.env.BERTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Integration files in parallel only when scripts/test.mjs brought up a bed per worker; by hand, one bed, one worker.
const beds = (process.env.BERTH_TESTBED_DIRS ?? '').split(':').filter(Boolean).length;

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
      // unit and postgres share each worker's module graph (isolate: false): importing drizzle,
      // pg-boss, Auth.js and zod again for every file cost ~75 % of the layer's time (104 s of
      // imports in a 270 s run; 71 s in all without). It holds because no unit file mocks modules
      // or fakes timers, and state lives in per-test databases and explicit boot()/shutdown().
      {
        extends: true,
        test: { name: 'unit', include: ['**/*.test.ts'], exclude: [...IGNORED, ...INTEGRATION], isolate: false, env: { DATABASE_URL: '' } },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: BACKEND_MATTERS,
          exclude: [...IGNORED, 'db/schema-matches-migrations.test.ts'],
          isolate: false,
          env: { DATABASE_URL: postgresUrl },
        },
      },
      // One file per bed at a time, each worker on a test bed of its own (test-support/test-hosts.ts):
      // one file re-keys a host for a moment, others make `nginx -t` fail on purpose.
      {
        extends: true,
        // isolate: false as for unit: re-importing the module graph per file was most of the layer's
        // worker time (607 s in tests of 1,692 worker-seconds with four workers); connections are
        // keyed by server id and every file closes its own.
        test: {
          name: 'integration',
          include: INTEGRATION,
          exclude: IGNORED,
          isolate: false,
          fileParallelism: beds >= 2,
          env: { DATABASE_URL: '' },
        },
      },
    ],
  },
});
