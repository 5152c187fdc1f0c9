import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';

/** The app page's summary of its environment: how many keys, which revision, whether a push is owed. */
export function EnvCard({ appId, keyCount, latest, pending }: { appId: string; keyCount: number; latest: number; pending: boolean }) {
  return (
    <Card title="Environment" description="Sealed env vars, written to shared/.env on push and on every deploy.">
      <p className="flex flex-wrap items-center gap-2 text-sm" data-testid="env-card">
        <span>{keyCount} variable(s)</span>
        {latest > 0 && <span>· revision #{latest}</span>}
        {pending && <Badge tone="warn">pending push</Badge>}
        <Link className="ml-auto text-indigo-700 hover:underline" href={`/apps/${appId}/env`}>
          Open the editor
        </Link>
      </p>
    </Card>
  );
}
