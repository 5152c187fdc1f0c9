import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { closeClient, drizzleFor, migrateClient, openClient, type DbClient } from '@/db/client';
import { lockDataDir } from '@/db/lock';
import { getSetting, putSetting } from '@/db/queries/settings';
import { issueSetupToken } from '@/lib/auth/setup';
import { readEnv, type BerthEnv } from '@/lib/config/env';
import { KEY_CHECK_SETTING, makeKeyCheck, verifyKeyCheck, type KeyRing } from '@/lib/crypto';
import { setRuntime } from '@/lib/runtime';
import { interruptStaleRuns } from '@/db/queries/runs';
import { interruptAllReleases } from '@/db/queries/releases';
import { jobHandlers, STALE_RUN_MS } from '@/lib/jobs/handlers';
import { startJobs, type Jobs } from '@/lib/jobs/queue';
import { closeAll } from '@/lib/remote/connection';
import { scrubConsole } from '@/lib/log/scrub';
import { startMonitoringLoops, type MonitoringLoops } from './monitoring';
import { resolveSecrets } from './secrets';

const KEY_CHECK = KEY_CHECK_SETTING;

export type Booted = { env: BerthEnv; setupUrl: string | null; warnings: string[]; shutdown(): Promise<void> };

/**
 * A wrong master key must stop start-up before anything is written, so the check runs
 * before migrations whenever the database already has one.
 */
async function checkMasterKey(client: DbClient, keyRing: KeyRing, phase: 'before' | 'after'): Promise<void> {
  const db = drizzleFor(client);
  if (phase === 'before') {
    const result = (await db.execute(sql`select to_regclass('public.settings') is not null as present`)) as unknown as {
      rows: Array<{ present: boolean }>;
    };
    if (!result.rows[0]?.present) return;
  }
  const stored = await getSetting(db, KEY_CHECK);
  if (stored) verifyKeyCheck(keyRing, stored);
  else if (phase === 'after') await putSetting(db, KEY_CHECK, makeKeyCheck(keyRing));
}

export type BootOptions = { /** Run job handlers in this process (the panel does; tests of boot need not). */ worker: boolean };

export async function boot(
  source: Record<string, string | undefined> = process.env,
  opts: BootOptions = { worker: false },
): Promise<Booted> {
  // Before anything can fail: no log line of this process (ours, Auth.js's, Next's) carries query parameter values.
  scrubConsole();
  const env = readEnv(source);
  fs.mkdirSync(env.dataDir, { recursive: true, mode: 0o700 });
  const unlock = env.databaseUrl ? () => {} : lockDataDir(env.dataDir);
  let client: DbClient | undefined;
  let jobs: Jobs | undefined;
  let loops: MonitoringLoops | undefined;
  try {
    const { keyRing, authSecret, warnings } = resolveSecrets(env);
    client = await openClient(env.databaseUrl ? { databaseUrl: env.databaseUrl } : { pgliteDir: path.join(env.dataDir, 'pglite') });
    await checkMasterKey(client, keyRing, 'before');
    await migrateClient(client);
    await checkMasterKey(client, keyRing, 'after');
    const db = drizzleFor(client);
    // Work left "running" by a dead process is marked interrupted (PGlite: this is the only process).
    await interruptStaleRuns(db, new Date(Date.now() - STALE_RUN_MS), !env.databaseUrl);
    if (!env.databaseUrl) await interruptAllReleases(db);
    // Bound late: the handlers need the queue they are started with.
    const send = (payload: Parameters<Jobs['send']>[0], key: string) => jobs!.send(payload, key);
    jobs = await startJobs(client, env.databaseUrl, opts.worker ? jobHandlers(db, keyRing, env.dataDir, send) : null);
    if (opts.worker) loops = await startMonitoringLoops(db, keyRing, env.publicUrl);
    const token = await issueSetupToken(db);
    const setupUrl = token ? `${env.publicUrl}/setup?token=${token}` : null;
    writeSetupUrlFile(env.dataDir, setupUrl);
    setRuntime({ env, client, keyRing, authSecret, jobs });
    const opened = client;
    const started = jobs;
    const running = loops;
    return {
      env,
      setupUrl,
      warnings,
      async shutdown() {
        setRuntime(undefined);
        await running?.stop();
        await started.stop();
        closeAll();
        await closeClient(opened);
        unlock();
      },
    };
  } catch (err) {
    await loops?.stop().catch(() => {});
    await jobs?.stop().catch(() => {});
    if (client) await closeClient(client).catch(() => {});
    unlock();
    throw err;
  }
}

/** The setup URL is also left in the data directory (0600) for headless installs and tests. */
function writeSetupUrlFile(dataDir: string, url: string | null): void {
  const file = path.join(dataDir, 'setup-url');
  if (url) fs.writeFileSync(file, `${url}\n`, { mode: 0o600 });
  else fs.rmSync(file, { force: true });
}
