// Panel start-up and idle memory, per database backend, beside bare `next start` of the same
// build as the reference. Needs a build (npm run build) and, for the Postgres rows, a server
// at BERTH_TEST_POSTGRES_URL. Usage: node bench/startup.mjs [runs=3]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scratchDatabase } from '../scripts/lib/scratch-db.mjs';

const root = path.resolve(import.meta.dirname, '..');
const runs = Number(process.argv[2] ?? 3);
const pgBase = process.env.BERTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PORT = 3290;
const IDLE_MS = 5000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function firstResponse(url, deadline) {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      return res.status;
    } catch {
      await sleep(10);
    }
  }
  throw new Error(`no response from ${url}`);
}

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

/** Starts a process, times spawn → first HTTP answer on `probe`, then idles and reads its RSS. */
async function measure(cmd, args, env, probe) {
  const started = performance.now();
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env, PORT: String(PORT), HOST: '127.0.0.1' }, stdio: 'ignore' });
  try {
    await firstResponse(`http://127.0.0.1:${PORT}${probe}`, Date.now() + 60_000);
    const readyMs = performance.now() - started;
    await sleep(IDLE_MS);
    return { readyMs, rss: rssMb(child.pid) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];

async function series(label, makeEnv, probe = '/api/health', cmd = 'node', args = ['scripts/start.mjs']) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await measure(cmd, args, await makeEnv(i), probe));
  const row = { label, readyMs: median(samples.map((s) => s.readyMs)), rss: median(samples.map((s) => s.rss)) };
  results.push(row);
  console.log(`${label.padEnd(44)} ${row.readyMs.toFixed(0).padStart(6)} ms  ${row.rss.toFixed(0).padStart(5)} MB`);
  return row;
}

const base = { BERTH_SKIP_BUILD: '1', DATABASE_URL: '' };
console.log(`median of ${runs} runs; RSS after ${IDLE_MS / 1000} s idle\n`);
console.log(`${'what'.padEnd(44)} ${'ready'.padStart(9)}  ${'RSS'.padStart(8)}`);

const bare = await series('reference: bare `next start` (same build)', async () => ({}), '/api/health', 'node_modules/.bin/next', ['start', '-p', String(PORT), '-H', '127.0.0.1']);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const warmDir = path.join(tmp, 'warm');
const coldPglite = await series('berth on PGlite, first start (empty dir)', async (i) => ({ ...base, BERTH_DATA_DIR: path.join(tmp, `cold-${i}`) }));
await measure('node', ['scripts/start.mjs'], { ...base, BERTH_DATA_DIR: warmDir }, '/api/health');
const warmPglite = await series('berth on PGlite, restart (existing data)', async () => ({ ...base, BERTH_DATA_DIR: warmDir }));

let warmPg;
try {
  const keys = { BERTH_MASTER_KEY: `v1:${randomBytes(32).toString('base64')}`, AUTH_SECRET: randomBytes(32).toString('base64url') };
  const db = await scratchDatabase(pgBase, 'berth_bench');
  try {
    await measure('node', ['scripts/start.mjs'], { ...base, ...keys, DATABASE_URL: db.url, BERTH_DATA_DIR: path.join(tmp, 'pg') }, '/api/health');
    warmPg = await series('berth on Postgres, restart (existing data)', async () => ({ ...base, ...keys, DATABASE_URL: db.url, BERTH_DATA_DIR: path.join(tmp, 'pg') }));
  } finally {
    await db.drop();
  }
} catch (err) {
  console.log(`berth on Postgres: skipped (${err.message})`);
}
fs.rmSync(tmp, { recursive: true, force: true });

console.log('\nratios');
console.log(`  PGlite restart / bare Next ready:   ${(warmPglite.readyMs / bare.readyMs).toFixed(2)}x`);
console.log(`  PGlite first start / restart:       ${(coldPglite.readyMs / warmPglite.readyMs).toFixed(2)}x`);
if (warmPg) {
  console.log(`  Postgres restart / bare Next ready: ${(warmPg.readyMs / bare.readyMs).toFixed(2)}x`);
  console.log(`  RSS PGlite / Postgres:              ${(warmPglite.rss / warmPg.rss).toFixed(2)}x`);
}
