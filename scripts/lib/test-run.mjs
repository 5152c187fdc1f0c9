// The parts scripts/test.mjs is built from: running a command with its output labelled (two
// layers may run at once), and reading the runners' reports into counts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'node_modules/.bin');

/** Pipes a stream to ours line by line, each line prefixed with its layer. */
function relay(stream, out, label) {
  let pending = '';
  stream.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) out.write(`[${label}] ${line}\n`);
  });
  stream.on('end', () => pending && out.write(`[${label}] ${pending}\n`));
}

/** Every child still running, so a signal to the runner can stop them before teardown. */
export const children = new Set();

/**
 * Stops every running child with all it started (each runs in its own process group). SIGINT
 * first: Playwright then stops the panel it started in a process group of its own, which SIGTERM
 * would leave running; whatever still runs after 10 s gets SIGTERM.
 */
let stopping = false;

export async function stopChildren() {
  stopping = true; // and nothing new starts
  const signal = (sig) => {
    for (const child of children) {
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGINT');
  for (let i = 0; i < 100 && children.size > 0; i++) await new Promise((r) => setTimeout(r, 100));
  signal('SIGTERM');
}

/** Runs a command from the project root; resolves to its exit status (1 if it could not start). */
export function run(label, cmd, args, env = {}, { teardown = false } = {}) {
  if (stopping && !teardown) return Promise.resolve(1);
  console.log(`\n[${label}] $ ${[cmd, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FORCE_COLOR: '0', ...env },
      // Its own process group, so stopping it reaches what it started too (Playwright's panel).
      detached: true,
    });
    children.add(child);
    child.on('close', () => children.delete(child));
    relay(child.stdout, process.stdout, label);
    relay(child.stderr, process.stderr, label);
    child.on('error', (err) => {
      console.error(`[${label}] could not start ${cmd}: ${err.message}`);
      resolve(1);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** A runner that died before writing its report counts as one failure, never as a pass. */
function readReport(file, parse) {
  try {
    return parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

// A file that fails to load has no failed tests but makes the run unsuccessful: count it.
export const readVitestReport = (file) =>
  readReport(file, (r) => ({
    passed: r.numPassedTests,
    // A file that failed outside its tests (import, beforeAll) has no failed test of its own.
    failed:
      r.numFailedTests +
        r.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length ||
      (r.success ? 0 : 1),
    skipped: r.numPendingTests + r.numTodoTests,
  }));

/**
 * A runner's exit status has the last word: vitest's JSON says `success` even when an unhandled
 * error or a crashed worker made it exit 1 (files queued on a dead worker never report at all).
 */
export function withStatus(counts, status) {
  return status !== 0 && counts.failed === 0 ? { ...counts, failed: 1 } : counts;
}

export const readPlaywrightReport = (file) =>
  readReport(file, (r) => ({
    passed: r.stats.expected + r.stats.flaky,
    failed: r.stats.unexpected + (r.errors?.length ?? 0),
    skipped: r.stats.skipped,
  }));

/** Seconds per test file, for the runner's "slowest files" table; nothing when the report is missing. */
export function fileTimes(file) {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (r.testResults) return r.testResults.map((f) => ({ file: path.relative(root, f.name), seconds: (f.endTime - f.startTime) / 1000 }));
    const bySpec = new Map();
    const walk = (suite) => {
      for (const spec of suite.specs ?? []) {
        const ms = spec.tests.flatMap((t) => t.results).reduce((sum, res) => sum + res.duration, 0);
        bySpec.set(spec.file, (bySpec.get(spec.file) ?? 0) + ms);
      }
      for (const child of suite.suites ?? []) walk(child);
    };
    for (const suite of r.suites ?? []) walk(suite);
    return [...bySpec].map(([spec, ms]) => ({ file: `e2e/${spec}`, seconds: ms / 1000 }));
  } catch {
    return [];
  }
}

export async function postgresReachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}
