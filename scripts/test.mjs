// `npm test`: the whole suite, on every database backend this machine has.
//   1. bring up the test bed of real hosts (scripts/testbed/up.sh, as root),
//   2. build the panel once,
//   3. per backend (PGlite always; Postgres when reachable, required under CI=true):
//      vitest (unit, integration, test-bed smoke) and Playwright (e2e in Chromium),
//   4. tear the test bed down, and print one closing line: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { scratchDatabase } from './lib/scratch-db.mjs';

const root = path.resolve(import.meta.dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-'));
const pgBase = process.env.BERTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const inCI = process.env.CI === 'true';
const totals = { passed: 0, failed: 0, skipped: 0 };
const isRoot = process.getuid?.() === 0;
const rows = [];

function run(cmd, args, env = {}) {
  console.log(`\n$ ${[cmd, ...args].join(' ')}`);
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;
}

function count(leg, kind, counts) {
  rows.push({ leg, kind, ...counts });
  for (const k of Object.keys(totals)) totals[k] += counts[k];
}

/** A runner that died before writing its report counts as one failure, never as a pass. */
function readReport(file, parse) {
  try {
    return parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

async function postgresReachable() {
  const client = new pg.Client({ connectionString: pgBase, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function withDatabase(fn) {
  const database = await scratchDatabase(pgBase, 'berth_e2e');
  try {
    return await fn(database.url);
  } finally {
    await database.drop();
  }
}

/** Each leg starts from fresh test hosts: what one leg provisioned must not help the next. */
function freshTestbed(leg) {
  if (isRoot && run('bash', ['scripts/testbed/up.sh', '--fresh']) !== 0) count(leg, 'testbed', { passed: 0, failed: 1, skipped: 0 });
}

function runLeg(leg, env) {
  freshTestbed(leg);
  const vitestReport = path.join(work, `vitest-${leg}.json`);
  run('vitest', ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`], env);
  // A file that fails to load has no failed tests but makes the run unsuccessful: count it.
  count(leg, 'vitest', readReport(vitestReport, (r) => ({ passed: r.numPassedTests, failed: r.numFailedTests || (r.success ? 0 : 1), skipped: r.numPendingTests + r.numTodoTests })));
}

function runE2e(leg, env) {
  const report = path.join(work, `playwright-${leg}.json`);
  const dataDir = path.join(work, `e2e-data-${leg}`);
  run('playwright', ['test'], { ...env, BERTH_E2E_REPORT: report, BERTH_E2E_DATA_DIR: dataDir });
  count(leg, 'playwright', readReport(report, (r) => ({ passed: r.stats.expected + r.stats.flaky, failed: r.stats.unexpected + (r.errors?.length ?? 0), skipped: r.stats.skipped })));
}

let exitCode = 0;
try {
  if (!fs.existsSync('/usr/bin/chromium') && isRoot) {
    // Playwright cannot download browsers here: it drives Debian's Chromium.
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { DEBIAN_FRONTEND: 'noninteractive' });
  }
  if (!isRoot) console.warn('berth: not root, so the test bed cannot start; its tests will fail.');
  // Pebble (test ACME server) for the TLS tests; it installs pebble and certbot first, so before any host starts.
  if (isRoot && run('bash', ['scripts/testbed/pebble.sh', 'start']) !== 0) count('runner', 'pebble', { passed: 0, failed: 1, skipped: 0 });
  if (run('npm', ['run', '--silent', 'build']) !== 0) throw new Error('the build failed');

  const testEnv = { BERTH_SKIP_BUILD: '1', DATABASE_URL: '' };
  runLeg('pglite', testEnv);
  runE2e('pglite', testEnv);

  if (await postgresReachable()) {
    runLeg('postgres', { ...testEnv, DATABASE_URL: pgBase });
    await withDatabase((url) =>
      runE2e('postgres', {
        ...testEnv,
        DATABASE_URL: url,
        BERTH_MASTER_KEY: `v1:${randomBytes(32).toString('base64')}`,
        AUTH_SECRET: randomBytes(32).toString('base64url'),
      }),
    );
  } else if (inCI) {
    count('postgres', 'reachability', { passed: 0, failed: 1, skipped: 0 });
    console.error(`berth: CI needs Postgres at ${pgBase} and could not reach it.`);
  } else {
    console.warn(`berth: no Postgres at ${pgBase} (set BERTH_TEST_POSTGRES_URL); the Postgres leg was not run.`);
  }
} catch (err) {
  console.error(`berth: ${err.message}`);
  count('runner', 'error', { passed: 0, failed: 1, skipped: 0 });
} finally {
  if (isRoot) run('bash', ['scripts/testbed/down.sh']);
  if (isRoot) run('bash', ['scripts/testbed/pebble.sh', 'stop']);
  fs.rmSync(work, { recursive: true, force: true });
}

console.log('\nleg        runner      passed  failed  skipped');
for (const r of rows) console.log(`${r.leg.padEnd(10)} ${r.kind.padEnd(11)} ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
if (totals.failed > 0) exitCode = 1;
process.exit(exitCode);
