// Backups (issue 17): a ~1.2 GB pgbench database in a PHP app's Postgres on the test bed (host 1
// is its data server). In one run, on the same host: (a) the plain script, `pg_dump -Fc` to a file
// then `pg_restore` into a new database; (b) Berth's backup (dump, checks, restic upload, check
// --read-data, dump read back) to a real s3rver and to a real chrooted SFTP server, then a drill
// from each (the dump fetched from the target, restored into a scratch database, row counts
// compared, dropped), then the next backup (the repository opened, not made: the steady state).
// Prints each figure beside the plain script's as a ratio, with load averages:
// against `pg_dump -Fc` alone, and (the fair reference for an offsite backup) against pg_dump plus
// `rclone copyto` of its file to the same target, through the same rclone config Berth writes.
// Goals: Berth ≤ 1.1× the plain script, and a full verified restore from offsite ≤ 2 minutes.
// Needs the test bed (scripts/testbed/up.sh). Usage:
//   node_modules/.bin/node scripts/run-ts.mjs bench/backups.ts [scale=80]
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { findBackupRun } from '@/db/queries/backups';
import { updateAppConfig } from '@/db/queries/apps';
import { tasksOf } from '@/db/queries/runs';
import type { BackupRun, BackupRunKind } from '@/db/schema';
import { requestBackupRun } from '@/lib/backups/requests';
import { runBackupJob } from '@/lib/backups/run-job';
import { type SaveTarget, saveTarget } from '@/lib/backups/targets';
import { backupPolicyInput, type TargetSettings } from '@/lib/model/backup-policy';
import { runPaths, secretFiles } from '@/lib/recipes/backup/restic';
import { cmd, env } from '@/lib/remote/command';
import { s3SaveTarget, sftpSaveTarget, startS3Target, startSftpTarget } from '@/test-support/backup-targets';
import { snapshotBed } from '@/test-support/testbed-snapshots';
import { runBench } from './run-bench';

function load(): string {
  return os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}
function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}×`;
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(process.argv[1]!), '..');
  process.chdir(root); // the targets start scripts/testbed/s3rver.cjs
  // test-support/fixtures/git-repo.ts finds its fixture through __dirname, which this ESM bundle lacks.
  (globalThis as { __dirname?: string }).__dirname = path.join(root, 'test-support', 'fixtures');
  const SCALE = Math.min(Math.max(Number(process.argv[2] ?? 80), 1), 400);
  const SLUG = 'bkbench';
  const PLAIN = '/root/berth-bench-plain.dump';
  const PLAIN_DB = 'bkbench_plain_restore';

  console.log(`backups bench: pgbench scale ${SCALE}; load average at start ${load()}`);
  const [s3, sftp, bed] = await Promise.all([startS3Target(), startSftpTarget(), snapshotBed(SLUG)]);
  const host = bed.hosts[0]!.transport;
  /** Runs a command on host 1 as root and returns its wall time (what the operator's script costs). */
  const timed = async (argv: string[]) => {
    const t0 = performance.now();
    await host.exec(cmd(argv[0]!, ...argv.slice(1)), { timeoutMs: 60 * 60_000 });
    return performance.now() - t0;
  };
  try {
    const saved: Record<string, SaveTarget> = { s3: s3SaveTarget('s3', s3), box: sftpSaveTarget('box', sftp) };
    await saveTarget(bed.t.db, bed.ring, saved.s3!);
    await saveTarget(bed.t.db, bed.ring, saved.box!);
    const policies = ['s3', 'box'].map((t) => backupPolicyInput.parse({ name: t, target: t }));
    await updateAppConfig(bed.t.db, bed.app.id, { ...bed.app.config, backups: policies });

    const t0 = performance.now();
    await timed(['pgbench', '-i', '-q', '-s', String(SCALE), '-h', '127.0.0.1', '-U', 'postgres', bed.db]);
    const size = (await bed.inApp(`SELECT pg_database_size('${bed.db}')::bigint AS n`, 'postgres')).rows[0].n;
    console.log(`database ${bed.db}: ${(Number(size) / 1e9).toFixed(2)} GB after pgbench -i (${secs(performance.now() - t0)})`);

    // (a) the plain script on the same host.
    const before = load();
    const plainDump = await timed(['pg_dump', '-Fc', '-h', '127.0.0.1', '-U', 'postgres', '-f', PLAIN, bed.db]);
    const dumpBytes = Number((await host.exec(cmd('stat', '-c', '%s', PLAIN))).stdout.trim());
    await timed(['createdb', '-h', '127.0.0.1', '-U', 'postgres', PLAIN_DB]);
    const plainRestore = await timed(['pg_restore', '--no-owner', '-h', '127.0.0.1', '-U', 'postgres', '-d', PLAIN_DB, PLAIN]);
    await timed(['dropdb', '-h', '127.0.0.1', '-U', 'postgres', PLAIN_DB]);
    // The plain script's dump sent offsite as a file: rclone with the config Berth writes for the target.
    const plainUpload: Record<string, number> = {};
    for (const [name, t] of Object.entries(saved)) plainUpload[name] = await rcloneCopy(host, t.settings, t.credential ?? null, PLAIN);
    await host.exec(cmd('rm', '-f', PLAIN));
    const plainTotal = plainDump + plainRestore;
    console.log(
      `plain script: pg_dump -Fc ${secs(plainDump)} (${(dumpBytes / 1e6).toFixed(0)} MB), pg_restore ${secs(plainRestore)}, ` +
        `total ${secs(plainTotal)}; rclone copyto ${Object.entries(plainUpload)
          .map(([n, ms]) => `${n} ${secs(ms)}`)
          .join(', ')}; load ${before} → ${load()}`,
    );

    // (b) Berth, the way the panel runs it: one queued run at a time, per target.
    const run = async (policy: string, kind: BackupRunKind): Promise<{ r: BackupRun; tasks: string }> => {
      const { run: q } = await requestBackupRun(bed.t.db, async () => 'job', { appId: bed.app.id, policy, kind });
      await runBackupJob(bed.t.db, bed.ring, q.id, new AbortController().signal);
      const r = (await findBackupRun(bed.t.db, q.id))!;
      if (r.status !== 'succeeded') throw new Error(`${kind} to ${policy} ${r.status} at ${r.failedStage}: ${r.error}`);
      const tasks = (await tasksOf(bed.t.db, r.recipeRunId!))
        .map((t) => `${t.name} ${t.startedAt && t.finishedAt ? secs(t.finishedAt.getTime() - t.startedAt.getTime()) : '-'}`)
        .join(', ');
      return { r, tasks };
    };
    const rows: string[] = [];
    for (const policy of ['s3', 'box']) {
      const l0 = load();
      const b = await run(policy, 'backup');
      const l1 = load();
      const d = await run(policy, 'drill');
      const l2 = load();
      // The next night's backup: the repository exists (opened, not made) and most data is deduplicated.
      const next = await run(policy, 'backup');
      const l3 = load();
      const backupMs = b.r.durationMs!;
      const drillMs = d.r.durationMs!;
      const nextMs = next.r.durationMs!;
      console.log(`${policy} backup ${secs(backupMs)} (${b.tasks}); load ${l0} → ${l1}`);
      console.log(`${policy} drill  ${secs(drillMs)} (${d.tasks}); load ${l1} → ${l2}`);
      console.log(`${policy} next backup ${secs(nextMs)} (${next.tasks}); load ${l2} → ${l3}`);
      const offsite = plainDump + plainUpload[policy]!;
      const vs = (ms: number) =>
        `${ratio(ms, plainDump).padStart(6)} plain dump, ${ratio(ms, offsite).padStart(6)} plain dump + rclone upload`;
      rows.push(
        `${policy.padEnd(4)} first backup ${secs(backupMs).padStart(7)} = ${vs(backupMs)} (${secs(offsite)}) | ` +
          `next backup ${secs(nextMs).padStart(7)} = ${vs(nextMs)} | ` +
          `verified restore ${secs(drillMs).padStart(7)} = ${ratio(drillMs, plainRestore).padStart(6)} plain restore | ` +
          `backup + restore ${ratio(backupMs + drillMs, plainTotal).padStart(6)} plain total | ` +
          `restore ≤ 2 min: ${drillMs <= 120_000 ? 'yes' : 'NO'}`,
      );
    }
    console.log(`\nsummary (scale ${SCALE}, ${(Number(size) / 1e9).toFixed(2)} GB, dump ${(dumpBytes / 1e6).toFixed(0)} MB):`);
    console.log(`plain pg_dump ${secs(plainDump)}, pg_restore ${secs(plainRestore)}, total ${secs(plainTotal)}`);
    for (const r of rows) console.log(r);
    console.log(`load average at the end ${load()}`);
  } finally {
    await host.exec(cmd('rm', '-f', PLAIN)).catch(() => {});
    await host.exec(cmd('dropdb', '--if-exists', '-h', '127.0.0.1', '-U', 'postgres', PLAIN_DB)).catch(() => {});
    await bed.cleanup();
    await Promise.all([s3.stop(), sftp.stop()]);
  }
}

/**
 * `rclone copyto <file> t:<bucket-or-path>/plain-reference/plain.dump` on the host with the
 * target's config as Berth writes it (0600 files in a root-only directory, removed after); the
 * copy is deleted afterwards. Returns the upload's wall time.
 */
async function rcloneCopy(
  host: Awaited<ReturnType<typeof snapshotBed>>['hosts'][number]['transport'],
  settings: TargetSettings,
  credential: string | null,
  file: string,
): Promise<number> {
  const paths = runPaths('bkbenchplain', randomUUID());
  const base = settings.kind === 's3' ? settings.bucket : settings.path;
  const remote = `t:${base.replace(/\/+$/, '')}/plain-reference/plain.dump`;
  const rclone = (...args: string[]) => env({ RCLONE_CONFIG: paths.rcloneConfig }, cmd('rclone', ...args));
  await host.exec(cmd('install', '-d', '-m', '0700', paths.root, paths.appDir, paths.keys));
  try {
    for (const f of secretFiles(settings, { credential, repoKey: 'unused' }, paths))
      await host.upload(f.content, f.path, { mode: 0o600, owner: 'root', group: 'root' });
    const t0 = performance.now();
    await host.exec(rclone('copyto', file, remote), { timeoutMs: 60 * 60_000 });
    const ms = performance.now() - t0;
    await host.exec(rclone('deletefile', remote));
    return ms;
  } finally {
    await host.exec(cmd('rm', '-rf', paths.appDir));
  }
}

await runBench(main);
