// `npm test [layer…]`: the suite, in layers (README, "Tests"), ending with "N passed, N failed".
//   lint         Biome: lint rules and formatting, zero diagnostics
//   unit         vitest, no root, no test bed; the backend-sensitive files again on Postgres
//   integration  vitest against the test bed of real hosts (root)
//   e2e          Playwright in Chromium against the built panel: everything on PGlite, a
//                smoke run on Postgres
// With no layer named, all of them run: the test beds come up once for the whole run, the
// integration files (which mostly wait on hosts) overlap the build and the unit files (CPU), and
// Playwright runs last, alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { scratchDatabase } from './lib/scratch-db.mjs';
import {
  children,
  fileTimes,
  stopChildren,
  postgresReachable,
  readPlaywrightReport,
  readVitestReport,
  run,
  withStatus,
} from './lib/test-run.mjs';

const LAYERS = ['lint', 'unit', 'integration', 'e2e'];
const asked = process.argv.slice(2);
const unknown = asked.filter((l) => !LAYERS.includes(l));
if (unknown.length) {
  console.error(`berth: unknown layer ${unknown.join(', ')}; choose from ${LAYERS.join(', ')}`);
  process.exit(2);
}
const layers = new Set(asked.length ? asked : LAYERS);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-'));
const pgBase = process.env.BERTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const inCI = process.env.CI === 'true';
const isRoot = process.getuid?.() === 0;
const rows = [];
const slowest = []; // { file, seconds } of every test file, for the closing table
const failure = { passed: 0, failed: 1, skipped: 0 };

/** Records a finished part: its counts and its wall time. */
function record(layer, part, counts, startedAt) {
  rows.push({ layer, part, ...counts, seconds: (Date.now() - startedAt) / 1000 });
}

async function lint() {
  const t = Date.now();
  const status = await run('lint', 'biome', ['ci', '--error-on-warnings', '.']);
  record('lint', 'biome', status === 0 ? { passed: 1, failed: 0, skipped: 0 } : failure, t);
}

// The unit files have slack beside the integration files and the build, so they yield the CPU.
const NICENESS = { unit: '5' };

async function vitest(layer, projects, env = {}, extra = []) {
  const t = Date.now();
  const report = path.join(work, `vitest-${layer}.json`);
  const args = [
    'run',
    ...projects.flatMap((p) => ['--project', p]),
    '--reporter=dot',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...extra,
  ];
  const status = await run(layer, 'nice', ['-n', NICENESS[layer] ?? '0', 'vitest', ...args], env);
  record(layer, `vitest ${projects.join('+')}`, withStatus(readVitestReport(report), status), t);
  slowest.push(...fileTimes(report).map((f) => ({ ...f, file: `${f.file} (${layer})` })));
}

async function unit() {
  const projects = ['unit'];
  if (await postgresReachable(pgBase)) projects.push('postgres');
  else if (inCI) record('unit', 'postgres reachable', failure, Date.now());
  else console.warn(`berth: no Postgres at ${pgBase} (set BERTH_TEST_POSTGRES_URL); the Postgres files were not run.`);
  await vitest('unit', projects, { BERTH_TEST_POSTGRES_URL: pgBase });
}

// Five beds of two hosts each: Playwright drives the first (where Pebble's resolver points by
// default), each integration worker one of the others, so all of them can run at once. Four
// integration workers: the files mostly wait (on hosts, cron's minute, restic's back-off), so a
// fourth shortens the layer that is the run's critical path.
const BEDS = [
  { BERTH_TESTBED_DIR: '/var/lib/berth-testbed', BERTH_TESTBED_ADDRESSES: '127.0.0.11 127.0.0.12' },
  { BERTH_TESTBED_DIR: '/var/lib/berth-testbed-2', BERTH_TESTBED_ADDRESSES: '127.0.0.13 127.0.0.14' },
  { BERTH_TESTBED_DIR: '/var/lib/berth-testbed-3', BERTH_TESTBED_ADDRESSES: '127.0.0.15 127.0.0.16' },
  { BERTH_TESTBED_DIR: '/var/lib/berth-testbed-4', BERTH_TESTBED_ADDRESSES: '127.0.0.17 127.0.0.18' },
  { BERTH_TESTBED_DIR: '/var/lib/berth-testbed-5', BERTH_TESTBED_ADDRESSES: '127.0.0.19 127.0.0.20' },
];
const [E2E_BED, ...INTEGRATION_BEDS] = BEDS;

/** Pebble (the TLS tests' ACME CA) and the test beds, fresh, once for the whole run. */
async function testbedUp(beds) {
  const t = Date.now();
  if (!isRoot) {
    console.warn('berth: not root, so the test bed cannot start; its tests will fail.');
    record('testbed', 'up (needs root)', failure, t);
    return false;
  }
  let ok = (await run('testbed', 'bash', ['scripts/testbed/pebble.sh', 'start'], E2E_BED)) === 0;
  for (const bed of beds) ok = ok && (await run('testbed', 'bash', ['scripts/testbed/up.sh', '--fresh'], bed)) === 0;
  record('testbed', `pebble + ${beds.length} beds`, ok ? { passed: 1, failed: 0, skipped: 0 } : failure, t);
  return ok;
}

const downBeds = new Set();
async function teardown(beds) {
  for (const bed of beds.filter((b) => !downBeds.has(b))) {
    downBeds.add(bed);
    await run('testbed', 'bash', ['scripts/testbed/down.sh'], bed, { teardown: true });
  }
}

async function testbedDown(beds) {
  await teardown(beds);
  await run('testbed', 'bash', ['scripts/testbed/pebble.sh', 'stop'], E2E_BED, { teardown: true });
}

async function build() {
  const t = Date.now();
  if (!fs.existsSync('/usr/bin/chromium') && isRoot) {
    // Playwright cannot download browsers here: it drives Debian's Chromium.
    await run('build', 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { DEBIAN_FRONTEND: 'noninteractive' });
  }
  if (process.env.BERTH_SKIP_BUILD === '1' && fs.existsSync(path.join(import.meta.dirname, '../.next/BUILD_ID'))) {
    console.log('[build] BERTH_SKIP_BUILD=1: using the existing build');
    return true;
  }
  // A fresh clone gains nothing from Turbopack's build cache, and writing it costs ~30 s.
  // Niced like the unit files: the build has minutes of slack (Playwright waits for the integration
  // files, the run's critical path), so those get the CPU first.
  const ok = (await run('build', 'nice', ['-n', '5', 'npm', 'run', '--silent', 'build'], inCI ? { BERTH_NO_BUILD_CACHE: '1' } : {})) === 0;
  if (!ok) record('build', 'next build', failure, t);
  else record('build', 'next build', { passed: 0, failed: 0, skipped: 0 }, t);
  return ok;
}

async function playwright(part, projects, env) {
  const t = Date.now();
  const report = path.join(work, `playwright-${part}.json`);
  const dataDir = path.join(work, `e2e-data-${part}`);
  const args = ['test', ...projects.map((p) => `--project=${p}`)];
  const status = await run('e2e', 'playwright', args, {
    ...env,
    ...E2E_BED,
    BERTH_TESTBED_DIRS: '', // the panel drives the first bed only, whatever the caller's environment says
    BERTH_SKIP_BUILD: '1',
    BERTH_E2E_REPORT: report,
    BERTH_E2E_DATA_DIR: dataDir,
  });
  record('e2e', part, withStatus(readPlaywrightReport(report), status), t);
  slowest.push(...fileTimes(report).map((f) => ({ ...f, file: `${f.file} (${part})` })));
}

async function e2e() {
  await playwright('playwright pglite', ['setup', 'panel', 'apps', 'cli', 'layout', 'last'], { DATABASE_URL: '' });
  if (!(await postgresReachable(pgBase))) {
    if (inCI) record('e2e', 'postgres reachable', failure, Date.now());
    return;
  }
  const database = await scratchDatabase(pgBase, 'berth_e2e');
  try {
    await playwright('playwright postgres smoke', ['setup', 'smoke'], {
      DATABASE_URL: database.url,
      BERTH_MASTER_KEY: `v1:${randomBytes(32).toString('base64')}`,
      AUTH_SECRET: randomBytes(32).toString('base64url'),
    });
  } finally {
    await database.drop();
  }
}

const beds = [...(layers.has('e2e') ? [E2E_BED] : []), ...(layers.has('integration') ? INTEGRATION_BEDS : [])];

/** A layer that throws records a failure of its own and never cuts the others short. */
async function guarded(layer, fn) {
  try {
    await fn();
  } catch (err) {
    console.error(`[${layer}] berth: ${err.stack ?? err}`);
    rows.push({ layer, part: 'error', ...failure, seconds: 0 });
  }
}

// Interrupted (Ctrl-C, a CI timeout): stop what runs, tear the beds down, and still say so.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    console.error(`berth: ${signal}: stopping ${children.size} running part(s) and the test beds`);
    await stopChildren();
    if (beds.length > 0 && isRoot) await testbedDown(beds);
    fs.rmSync(work, { recursive: true, force: true, maxRetries: 3 });
    console.log(`\n${rows.reduce((n, r) => n + r.passed, 0)} passed, ${rows.reduce((n, r) => n + r.failed, 0) + 1} failed (interrupted)`);
    process.exit(130);
  });
}

// One suite at a time on a machine: the test beds, their addresses and ports are fixed.
const suiteLock = path.join(os.tmpdir(), 'berth-suite.lock');
try {
  fs.writeFileSync(suiteLock, String(process.pid), { flag: 'wx' });
} catch {
  const holder = Number(fs.readFileSync(suiteLock, 'utf8'));
  if (holder && fs.existsSync(`/proc/${holder}`)) {
    console.error(`berth: another suite (pid ${holder}) is running on this machine; wait for it or stop it.`);
    console.log('\n0 passed, 1 failed, 0 skipped');
    process.exit(1);
  }
  fs.writeFileSync(suiteLock, String(process.pid)); // left by a suite that died
}
process.on('exit', () => {
  if (fs.existsSync(suiteLock) && fs.readFileSync(suiteLock, 'utf8') === String(process.pid)) fs.rmSync(suiteLock, { force: true });
});

const started = Date.now();
const load = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
console.log(`berth: suite started at ${new Date().toISOString()}, load average ${load}, layers: ${[...layers].join(' ')}`);
try {
  if (layers.has('lint')) await lint();
  const bed = beds.length > 0 ? await testbedUp(beds) : false;
  // The integration files mostly wait on the hosts; the build and the unit files use the CPU
  // meanwhile. Playwright runs alone afterwards: beside the integration files (on a bed of its
  // own, even with those niced) the machine's load reached 12 on 2 cores and its monitoring
  // checks timed out (dashboard spec, 3 runs of 5), which no test should have to tolerate.
  const bedDirs = {
    BERTH_TESTBED_DIRS: INTEGRATION_BEDS.map((b) => b.BERTH_TESTBED_DIR).join(':'),
    BERTH_TESTBED_DIR: E2E_BED.BERTH_TESTBED_DIR,
  };
  // The integration beds go down as soon as their files are done: what the tests deployed there
  // (cron lines, queue workers, process apps) would otherwise keep using the CPU under Playwright.
  const integration =
    layers.has('integration') && bed
      ? guarded('integration', () =>
          // One worker per bed: the files mostly wait on the hosts, so a third overlaps their waits.
          vitest('integration', ['integration'], bedDirs, [`--maxWorkers=${INTEGRATION_BEDS.length}`]),
        ).then(() => teardown(INTEGRATION_BEDS))
      : null;
  const built = layers.has('e2e') ? await build() : false;
  if (layers.has('unit')) await guarded('unit', unit);
  await integration;
  if (layers.has('e2e') && built && bed) await guarded('e2e', e2e);
} catch (err) {
  console.error(`berth: ${err.stack ?? err}`);
  rows.push({ layer: 'runner', part: 'error', ...failure, seconds: 0 });
} finally {
  if (beds.length > 0 && isRoot) await testbedDown(beds);
  // A failed run keeps its reports and the panels' logs and command traces, to read afterwards.
  if (rows.some((r) => r.failed > 0)) console.log(`\nberth: kept ${work} (reports, panel logs, command traces) for inspection`);
  else fs.rmSync(work, { recursive: true, force: true, maxRetries: 3 });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
console.log('\nlayer        part                          passed  failed  skipped  seconds');
for (const r of rows) {
  for (const k of Object.keys(totals)) totals[k] += r[k];
  console.log(
    `${r.layer.padEnd(12)} ${r.part.padEnd(29)} ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}  ${r.seconds.toFixed(0).padStart(7)}`,
  );
}
console.log('\nslowest test files (seconds)');
for (const f of slowest.sort((a, b) => b.seconds - a.seconds).slice(0, 10)) console.log(`${f.seconds.toFixed(1).padStart(7)}  ${f.file}`);
console.log(
  `\nwall time ${((Date.now() - started) / 1000).toFixed(0)} s; load average now ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
