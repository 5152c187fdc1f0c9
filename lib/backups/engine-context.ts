import type { Db } from '@/db';
import { placementsOfApp } from '@/db/queries/apps';
import { keptBackups } from '@/db/queries/backups';
import type { App, BackupRun, Server } from '@/db/schema';
import { dataServerOf } from '@/lib/apps/data-services';
import type { BackupPolicy } from '@/lib/model/backup-policy';
import { appLayout } from '@/lib/plan/app-layout';
import { acmePaths, acmeRenewalConfPath, acmeRenewalCronPath, acmeCertName, uploadedPaths } from '@/lib/plan/tls-paths';
import { webSlots } from '@/lib/plan/web-slots';
import { NGINX_BASE_PATH } from '@/lib/recipes/provision/nginx-base';

/**
 * What a backup run needs to know before anything runs on a server: which server, which of
 * Berth's /etc files belong to the app, and which backup a verify, drill or restore reads.
 */

/** Every /etc path Berth writes for an app (lib/plan's names): the ones that exist are backed up. */
export function configPathsOf(app: Pick<App['config'], 'slug' | 'phpVersion'>): string[] {
  const l = appLayout(app.slug);
  const slots = webSlots(app.slug);
  const cert = acmeCertName(app.slug);
  return [
    l.vhostPath,
    l.poolPath(app.phpVersion),
    l.supervisorPath,
    l.cronPath,
    slots.livePath,
    slots.supervisorPath,
    NGINX_BASE_PATH,
    uploadedPaths(app.slug).dir,
    acmePaths(app.slug).certificate.replace(/\/fullchain\.pem$/, ''),
    `/etc/letsencrypt/archive/${cert}`,
    acmeRenewalConfPath(app.slug),
    acmeRenewalCronPath(app.slug),
  ];
}

/**
 * One server per run: the app's data server when the policy covers its database (the dump must
 * be taken there), otherwise its first web server. For a single-server app both are the same.
 */
export async function backupServerOf(
  db: Db,
  app: App,
  policy: BackupPolicy,
): Promise<{ server?: Server; database: boolean; problem?: string }> {
  if (policy.database && app.config.dataServices.postgres) {
    const { server, gone } = await dataServerOf(db, app.id);
    if (gone || !server) return { database: true, problem: "The app's data server no longer serves it: nothing there to back up" };
    return { server, database: true };
  }
  const placements = await placementsOfApp(db, app.id);
  const server = (placements.find((p) => p.roles.includes('web')) ?? placements[0])?.server;
  return server ? { server, database: false } : { database: false, problem: 'The app is on no server' };
}

/** A verify, drill or restore reads the backup it names, or the policy's newest one still on the target. */
export async function sourceOf(db: Db, run: BackupRun, find: (id: string) => Promise<BackupRun | undefined>): Promise<BackupRun | string> {
  const source = run.sourceRunId ? await find(run.sourceRunId) : (await keptBackups(db, run.appId, run.policy))[0];
  if (!source) return 'There is no succeeded backup of this policy to use yet';
  if (source.appId !== run.appId || source.kind !== 'backup') return 'That run is not a backup of this app';
  if (source.status !== 'succeeded' || !source.snapshotId || !source.manifest) return 'That backup did not succeed';
  if (source.forgottenAt) return 'That backup was removed from the target by retention';
  return source;
}

/** Restores: which parts the operator asked for (`detail.into`: new-database or side-path; both when absent). */
export function restoreParts(detail: BackupRun['detail']): { database: boolean; files: boolean } {
  // The restore form's choice (lib/backups RESTORE_INTO): a new database, or files to a side path.
  const into = detail?.into;
  return { database: into === undefined || into === 'new-database', files: into === undefined || into === 'side-path' };
}
