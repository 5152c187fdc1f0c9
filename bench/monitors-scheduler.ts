// Uptime scheduler at scale (issue 7): 2,000 HTTP monitors at a 60 s interval against a local
// target served by a separate child process (so its CPU is not counted), the engine running
// with its real batched writes on embedded PGlite (the panel's default, in a data directory).
// Prints the scheduling delay (actual start − planned), CPU % of one core over wall time, RSS,
// checks done and results written. Goals: p99 delay ≤ 1 s, CPU ≤ 30 %.
// Usage: node_modules/.bin/node scripts/run-ts.mjs bench/monitors-scheduler.ts [--seconds 180] [--monitors 2000]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { closeClient, drizzleFor, migrateClient, openClient } from '@/db/client';
import { monitors } from '@/db/schema';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { startMonitoring } from '@/lib/monitors/engine';
import { runBench } from './run-bench';

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const SECONDS = arg('seconds', 180);
  const COUNT = arg('monitors', 2000);
  const INTERVAL_S = 60;

  const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

  // The target: a plain HTTP server in its own process, answering 200 with a small body.
  const target = spawn(
    process.execPath,
    [
      '-e',
      `
    const http = require('node:http');
    const s = http.createServer((req, res) => res.end('ok'));
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));
  `,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve) => target.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-monitors-'));
  const client = await openClient({ pgliteDir: dir });
  await migrateClient(client);
  const db = drizzleFor(client);
  const rows = Array.from({ length: COUNT }, (_, i) => ({
    name: `m${i}`,
    kind: 'http' as const,
    url: `http://127.0.0.1:${port}/health/${i}`,
    intervalS: INTERVAL_S,
    timeoutMs: 10_000,
  }));
  for (let i = 0; i < rows.length; i += 500) await db.insert(monitors).values(rows.slice(i, i + 500));

  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
  const rssBefore = process.memoryUsage().rss;
  let rssMax = rssBefore;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const engine = await startMonitoring(db, parseKeyRing(generateKeyText(1)), { publicUrl: 'http://127.0.0.1:3000', syncApps: false });
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 1000);
  const progress = setInterval(() => {
    const s = engine.stats();
    console.log(
      `  ${Math.round((performance.now() - t0) / 1000)} s: ${s.checksDone} checks, ${s.writer.written} written, p99 delay ${s.delayMs.p99.toFixed(0)} ms, in flight ${s.inFlight}`,
    );
  }, 30_000);

  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  clearInterval(progress);
  clearInterval(sampler);
  const s = engine.stats();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await engine.stop();
  const count = async (q: ReturnType<typeof sql>) => Number(rowsOf<{ n: number }>(await db.execute(q))[0]!.n);
  const written = await count(sql`select count(*)::int as n from check_results`);
  const failed = await count(sql`select count(*)::int as n from check_results where not ok`);
  const rollups = await count(sql`select count(*)::int as n from check_rollups`);

  console.log(
    `\n${COUNT} HTTP monitors every ${INTERVAL_S} s for ${(wallMs / 1000).toFixed(0)} s (PGlite in ${dir}; Node ${process.version}, ${os.cpus().length} cores)`,
  );
  console.log(
    `  scheduling delay: p50 ${s.delayMs.p50.toFixed(1)} ms, p99 ${s.delayMs.p99.toFixed(1)} ms, max ${s.delayMs.max.toFixed(1)} ms (goal p99 ≤ 1000 ms)`,
  );
  console.log(
    `  CPU: ${((100 * (cpu.user + cpu.system)) / 1000 / wallMs).toFixed(1)} % of one core (user ${(cpu.user / 1e6).toFixed(1)} s, system ${(cpu.system / 1e6).toFixed(1)} s; goal ≤ 30 %)`,
  );
  console.log(`  RSS: ${mb(rssBefore)} before the engine, ${mb(rssMax)} at most`);
  console.log(
    `  checks done: ${s.checksDone} (expected ≈ ${Math.round((COUNT * SECONDS) / INTERVAL_S)}), skipped ${s.checksSkipped}, failed results ${failed}`,
  );
  console.log(
    `  results written: ${written} in ${s.writer.flushes} flushes (${s.writer.failedFlushes} failed, ${s.writer.dropped} dropped); rollup rows ${rollups}`,
  );

  target.kill();
  await closeClient(client);
  fs.rmSync(dir, { recursive: true, force: true });
}

await runBench(main);
