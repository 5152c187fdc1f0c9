import Link from 'next/link';
import { Card } from '@/components/ui/card';
import type { BackupPolicy } from '@/lib/model/backup-policy';

/** The app page's way into its Backups tab: which policies it has, and where they go. */
export function BackupsCard({ appId, policies }: { appId: string; policies: BackupPolicy[] }) {
  return (
    <Card title="Backups" description="Database, files and server config, encrypted offsite, with staged status and restore drills.">
      <p className="flex flex-wrap items-center gap-2 text-sm" data-testid="backups-card">
        <span>{policies.length ? policies.map((p) => `${p.name} → ${p.target}`).join(', ') : 'No backup policy yet'}</span>
        <Link className="ml-auto text-indigo-700 hover:underline" href={`/apps/${appId}/backups`} data-testid="backups-link">
          Open backups
        </Link>
      </p>
    </Card>
  );
}
