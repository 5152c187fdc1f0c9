import { Gauge, type Registry } from 'prom-client';
import type { Db } from '@/db';
import { listApps } from '@/db/queries/apps';
import { backupTimes } from '@/db/queries/backup-schedule';
import { readPanelBackupStatus } from './panel-schedule-run';
import { readPanelPolicy } from './panel-schedule';

const seconds = (d: Date | null | undefined) => (d ? Math.floor(d.getTime() / 1000) : 0);

/**
 * Per configured backup policy: when a backup last succeeded and when a drill last proved one
 * restores, as unix timestamps, so an outside Prometheus can alert on
 * `time() - berth_backup_last_success_timestamp_seconds > …` independently of the panel's own
 * dead man's switch. A policy that never succeeded exports 0 (it is as stale as can be) rather
 * than no series, which an alert rule would silently skip. The panel's own backup, while it has
 * a schedule, is the series {app="_panel",policy="panel"} (app slugs start with
 * a letter, so it never clashes). Four queries per scrape.
 */
export async function addBackupMetrics(db: Db, registers: Registry[]): Promise<void> {
  const [apps, times, panelPolicy, panel] = await Promise.all([
    listApps(db),
    backupTimes(db),
    readPanelPolicy(db),
    readPanelBackupStatus(db),
  ]);
  const byPolicy = new Map(times.map((x) => [`${x.app}/${x.policy}`, x]));
  const success = new Gauge({
    name: 'berth_backup_last_success_timestamp_seconds',
    help: "Unix time of the policy's newest succeeded backup (0: none yet).",
    labelNames: ['app', 'policy'],
    registers,
  });
  const restored = new Gauge({
    name: 'berth_backup_last_restore_verified_timestamp_seconds',
    help: "Unix time a restore drill last proved one of the policy's backups restores (0: never).",
    labelNames: ['app', 'policy'],
    registers,
  });
  for (const app of apps) {
    for (const policy of app.config.backups) {
      const labels = { app: app.slug, policy: policy.name };
      const t = byPolicy.get(`${app.slug}/${policy.name}`);
      success.set(labels, seconds(t?.lastSuccess));
      restored.set(labels, seconds(t?.lastRestoreVerified));
    }
  }
  // Only while scheduled: after "Stop scheduling" an old timestamp would alert forever.
  if (panelPolicy) success.set({ app: '_panel', policy: 'panel' }, seconds(panel.lastSuccessAt ? new Date(panel.lastSuccessAt) : null));
}
