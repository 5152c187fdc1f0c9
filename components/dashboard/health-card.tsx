import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import type { AppMonitor, MonitorUptime } from '@/db/queries/dashboard';
import { appStatus, formatPct, sumUptime, uptimePct, worstState } from '@/lib/dashboard/status';

/** A glance on the app page (status, 24 h uptime) and the way to the full dashboard. */
export function HealthCard({ appId, monitors, uptime }: { appId: string; monitors: AppMonitor[]; uptime: MonitorUptime[] }) {
  const worst = worstState(monitors);
  const status = appStatus(worst);
  return (
    <Card title="Health">
      <div className="flex flex-wrap items-center gap-4 text-sm" data-testid="health-card" data-status={worst ?? 'none'}>
        <Badge tone={status.tone}>{status.label}</Badge>
        <span>
          24 h uptime: <span className="font-medium tabular-nums">{formatPct(uptimePct(sumUptime(uptime.map((u) => u.day))))}</span>
        </span>
        <Link href={`/apps/${appId}/dashboard`} className="font-medium text-indigo-700 underline" data-testid="dashboard-link">
          Open the dashboard →
        </Link>
      </div>
    </Card>
  );
}
