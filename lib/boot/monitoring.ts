import type { Db } from '@/db';
import type { KeyRing } from '@/lib/crypto';
import { startFpmPolling } from '@/lib/fpm/poller';
import { startMonitoring } from '@/lib/monitors/engine';
import { startNotifier } from '@/lib/notify/deliver';

export type MonitoringLoops = { stop(): Promise<void> };

/**
 * The panel's in-process loops beside the job queue: uptime checks, FPM polling and alert
 * delivery. They run where the job handlers run (the panel process), each on its own timer, so
 * a slow SSH server or a failing webhook never holds up a check.
 */
export async function startMonitoringLoops(db: Db, ring: KeyRing, publicUrl: string): Promise<MonitoringLoops> {
  const notifier = startNotifier(db, ring);
  const fpm = startFpmPolling(db, ring, { publicUrl });
  const monitoring = await startMonitoring(db, ring, { publicUrl }).catch(async (err) => {
    await Promise.all([fpm.stop(), notifier.stop()]);
    throw err;
  });
  return {
    async stop() {
      // Checks first: stopping flushes their buffered results, which may queue alerts.
      await monitoring.stop();
      await Promise.all([fpm.stop(), notifier.stop()]);
    },
  };
}
