// Panel start-up and idle memory, per database backend, beside bare `next start` of the same
// build as the reference (both on this Node, the one that runs the bench). Needs a build
// (npm run build) and, for the Postgres rows, a server at BERTH_TEST_POSTGRES_URL.
// Usage: node_modules/.bin/node scripts/run-ts.mjs bench/startup.ts [runs=3]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scratchDatabase } from '../scripts/lib/scratch-db.mjs';
import { runBench } from './run-bench';

type Sample = { readyMs: number; rss: number };
type Env = Record<string, string>;

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(process.argv[1]!), '..'); // the entry, not this bundle in a temp dir
  const runs = Number(process.argv[2] ?? 3);
  const pgBase = process.env.BERTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const PORT = 3290;
  const IDLE_MS = 5000;

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** Polls `url` until it answers; gives up when `child` exits first (a missing build, say) or at the deadline. */
  async function firstResponse(url: string, deadline: number, child: ChildProcess): Promise<number> {
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        return res.status;
      } catch {
        await sleep(10);
      }
    }
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`it exited (${child.signalCode ?? `code ${child.exitCode}`}) before answering ${url}`);
    throw new Error(`no response from ${url}`);
  }

  function rssMb(pid: number): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  }

  /** Starts a process, times spawn → first HTTP answer on `probe`, then idles and reads its RSS. */
  async function measure(cmd: string, args: string[], env: Env, probe: string): Promise<Sample> {
    const started = performance.now();
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, ...env, PORT: String(PORT), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise((r) => child.once('exit', r)); // listening from the start: it may exit before the finally
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    try {
      await firstResponse(`http://127.0.0.1:${PORT}${probe}`, Date.now() + 60_000, child).catch((err: Error) => {
        throw new Error(`${path.basename(args[0] ?? cmd)}: ${err.message}${stderr.trim() ? `\n${stderr.trim()}` : ''}`);
      });
      const readyMs = performance.now() - started;
      await sleep(IDLE_MS);
      return { readyMs, rss: rssMb(child.pid!) };
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const results: Array<Sample & { label: string }> = [];

  // The panel as `npm start` runs it, on this Node (the system `node` may be older than the panel needs).
  const START = ['scripts/start.mjs'];

  async function series(label: string, makeEnv: (i: number) => Promise<Env>, probe = '/api/health', cmd = process.execPath, args = START) {
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) samples.push(await measure(cmd, args, await makeEnv(i), probe));
    const row = { label, readyMs: median(samples.map((s) => s.readyMs)), rss: median(samples.map((s) => s.rss)) };
    results.push(row);
    console.log(`${label.padEnd(44)} ${row.readyMs.toFixed(0).padStart(6)} ms  ${row.rss.toFixed(0).padStart(5)} MB`);
    return row;
  }

  const base = { BERTH_SKIP_BUILD: '1', DATABASE_URL: '' };
  console.log(`median of ${runs} runs; RSS after ${IDLE_MS / 1000} s idle\n`);
  console.log(`${'what'.padEnd(44)} ${'ready'.padStart(9)}  ${'RSS'.padStart(8)}`);

  const bare = await series('reference: bare `next start` (same build)', async () => ({}), '/api/health', process.execPath, [
    'node_modules/next/dist/bin/next',
    'start',
    '-p',
    String(PORT),
    '-H',
    '127.0.0.1',
  ]);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
  const warmDir = path.join(tmp, 'warm');
  const coldPglite = await series('berth on PGlite, first start (empty dir)', async (i) => ({
    ...base,
    BERTH_DATA_DIR: path.join(tmp, `cold-${i}`),
  }));
  await measure(process.execPath, START, { ...base, BERTH_DATA_DIR: warmDir }, '/api/health');
  const warmPglite = await series('berth on PGlite, restart (existing data)', async () => ({ ...base, BERTH_DATA_DIR: warmDir }));

  let warmPg: Sample | undefined;
  try {
    const keys = { BERTH_MASTER_KEY: `v1:${randomBytes(32).toString('base64')}`, AUTH_SECRET: randomBytes(32).toString('base64url') };
    const db = await scratchDatabase(pgBase, 'berth_bench');
    try {
      await measure(
        process.execPath,
        START,
        { ...base, ...keys, DATABASE_URL: db.url, BERTH_DATA_DIR: path.join(tmp, 'pg') },
        '/api/health',
      );
      warmPg = await series('berth on Postgres, restart (existing data)', async () => ({
        ...base,
        ...keys,
        DATABASE_URL: db.url,
        BERTH_DATA_DIR: path.join(tmp, 'pg'),
      }));
    } finally {
      await db.drop();
    }
  } catch (err) {
    console.log(`berth on Postgres: skipped (${(err as Error).message})`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });

  console.log('\nratios');
  console.log(`  PGlite restart / bare Next ready:   ${(warmPglite.readyMs / bare.readyMs).toFixed(2)}x`);
  console.log(`  PGlite first start / restart:       ${(coldPglite.readyMs / warmPglite.readyMs).toFixed(2)}x`);
  if (warmPg) {
    console.log(`  Postgres restart / bare Next ready: ${(warmPg.readyMs / bare.readyMs).toFixed(2)}x`);
    console.log(`  RSS PGlite / Postgres:              ${(warmPglite.rss / warmPg.rss).toFixed(2)}x`);
  }
}

await runBench(main);
