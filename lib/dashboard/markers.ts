import type { MarkerRelease } from '@/db/queries/dashboard';
import { utcMinute } from '@/lib/model/time-text';

/** A deploy or rollback drawn on the charts, linking to its release page. */
export type ReleaseMarker = {
  id: string;
  t: number;
  label: string;
  title: string;
  color: string;
  href: string;
  kind: 'deploy' | 'rollback';
  status: string;
};

// Colour by outcome first (a failed release is what one looks for), then by kind.
const COLORS = { deploy: '#4f46e5', rollback: '#d97706', failed: '#dc2626', running: '#64748b', cancelled: '#94a3b8' } as const;

export function releaseMarkers(appId: string, rows: MarkerRelease[]): ReleaseMarker[] {
  return rows.map((r) => {
    const at = r.finishedAt ?? r.startedAt!;
    const failed = r.status === 'failed' || r.status === 'rolled_back' || r.status === 'interrupted';
    const color = failed
      ? COLORS.failed
      : r.status === 'running' || r.status === 'queued'
        ? COLORS.running
        : r.status === 'cancelled'
          ? COLORS.cancelled
          : COLORS[r.kind];
    const label = r.kind === 'deploy' ? `#${r.number ?? '?'}` : `↩ ${r.ref.replace(/^releases\//, '#')}`;
    const what = r.kind === 'deploy' ? `Deploy #${r.number ?? '?'}${r.sha ? ` (${r.sha.slice(0, 10)})` : ''}` : `Rollback to ${r.ref}`;
    return {
      id: r.id,
      t: at.getTime(),
      label,
      title: `${what}: ${r.status.replace('_', ' ')} at ${utcMinute(at)} UTC`,
      color,
      href: `/apps/${appId}/releases/${r.id}`,
      kind: r.kind,
      status: r.status,
    };
  });
}
