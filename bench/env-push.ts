// Env push (issue 6): a PHP app on both test hosts; each round saves a new GREETING and pushes
// it, timed from "Push to servers" until both hosts' PHP (phpdotenv) prints the new value. The
// reference is what an operator scripts without a panel: per host, `scp` the file and one `ssh`
// that sets owner and mode and renames it into place (OpenSSH, a fresh login each time, as a
// script or Forge's editor does). Prints medians, the ratio, and SSH handshakes per push.
// Needs the test bed (scripts/testbed/up.sh).
// Usage: node_modules/.bin/node scripts/run-ts.mjs bench/env-push.ts [rounds=10]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { insertUser } from '@/db/queries/users';
import { testHost } from '@/test-support/testbed-hosts';
import { appLayout } from '@/lib/plan/app-layout';
import { requestEnvPush } from '@/lib/env/push';
import { runEnvPush } from '@/lib/env/push-job';
import { saveEnv } from '@/lib/env/store';
import type { JobPayload } from '@/lib/jobs/queue';
import { renderEnvFile } from '@/lib/recipes/env/env-file';
import { handshakeCount } from '@/lib/remote/connection';
import { runBench } from './run-bench';

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(process.argv[1]!), '..');
  process.chdir(root);
  // test-support/fixtures/git-repo.ts finds its fixture through __dirname, which this ESM bundle lacks.
  (globalThis as { __dirname?: string }).__dirname = path.join(root, 'test-support', 'fixtures');
  const { releaseBed } = await import('@/test-support/testbed-release');

  const ROUNDS = Math.min(Math.max(Number(process.argv[2] ?? 10), 2), 50);
  const SLUG = 'envbench';
  const l = appLayout(SLUG);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  const bed = await releaseBed(SLUG, { healthCheck: { path: '/health.php', timeoutS: 5 } });
  try {
    const userId = (await insertUser(bed.t.db, { email: 'bench@berth.test', name: 'Bench', role: 'deployer', passwordHash: 'x' })).id;
    if ((await bed.release()).status !== 'succeeded') throw new Error('the first deploy failed');

    /** Until both hosts serve this greeting (bounded: 100 polls). */
    async function servedEverywhere(greeting: string) {
      for (const h of bed.hosts) {
        for (let i = 0; ; i++) {
          if ((await bed.served(h)).includes(`greeting: ${greeting}\n`)) break;
          if (i === 100) throw new Error(`${h.server.name} never served ${greeting}`);
          await new Promise((ok) => setTimeout(ok, 5));
        }
      }
    }

    const berth: number[] = [];
    const handshakes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const greeting = `berth-${round}-${Date.now()}`;
      await saveEnv(
        bed.t.db,
        bed.ring,
        bed.app.id,
        { APP_NAME: 'Bench', GREETING: greeting, APP_KEY: `base64:${round}secretsecret` },
        { source: 'edit', createdBy: userId },
      );
      const count = () => bed.hosts.reduce((n, h) => n + handshakeCount(h.server.id), 0);
      const before = count();
      const started = performance.now();
      const jobs: JobPayload[] = [];
      await requestEnvPush(bed.t.db, bed.app.id, userId, {
        onlyPending: false,
        enqueue: async (p) => {
          jobs.push(p);
          return 'job';
        },
      });
      if (jobs[0]?.kind === 'env-push') await runEnvPush(bed.t.db, bed.ring, jobs[0], new AbortController().signal);
      await servedEverywhere(greeting);
      berth.push(performance.now() - started);
      handshakes.push((count() - before) / bed.hosts.length);
    }

    // The reference: scp + ssh per host, one after the other, as a deploy script would.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-envbench-'));
    const reference: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const greeting = `script-${round}-${Date.now()}`;
      const file = path.join(work, '.env');
      fs.writeFileSync(file, renderEnvFile({ APP_NAME: 'Bench', GREETING: greeting, APP_KEY: `base64:${round}secretsecret` }), {
        mode: 0o600,
      });
      const started = performance.now();
      for (const name of ['berth-host-1', 'berth-host-2'] as const) {
        const host = testHost(name);
        const ssh = [
          '-i',
          host.privateKeyPath,
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'LogLevel=ERROR',
        ];
        execFileSync('scp', [...ssh, '-q', file, `root@${host.address}:${l.shared}/.env.tmp`]);
        execFileSync('ssh', [
          ...ssh,
          `root@${host.address}`,
          `chown ${SLUG}:${SLUG} ${l.shared}/.env.tmp && chmod 640 ${l.shared}/.env.tmp && mv -f ${l.shared}/.env.tmp ${l.shared}/.env`,
        ]);
      }
      await servedEverywhere(greeting);
      reference.push(performance.now() - started);
    }
    fs.rmSync(work, { recursive: true, force: true });

    const b = median(berth);
    const r = median(reference);
    console.log(`\nenv push to 2 hosts, ${ROUNDS} rounds, until both serve the new value (median)`);
    console.log(`| What | Berth | scp + ssh script | Ratio |`);
    console.log(`|---|---|---|---|`);
    console.log(`| Push → live on both hosts | ${b.toFixed(0)} ms | ${r.toFixed(0)} ms | ${(b / r).toFixed(2)}× |`);
    console.log(
      `SSH handshakes per server per Berth push (the panel keeps connections open): ${median(handshakes)}; min/max ${Math.min(...berth).toFixed(0)}/${Math.max(...berth).toFixed(0)} ms`,
    );
  } finally {
    await bed.cleanup();
  }
}

await runBench(main);
