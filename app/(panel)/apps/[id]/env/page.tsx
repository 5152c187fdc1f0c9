import { notFound } from 'next/navigation';
import { z } from 'zod';
import { EnvEditor } from '@/components/env/env-editor';
import { EnvImport } from '@/components/env/env-import';
import { EnvPull } from '@/components/env/env-pull';
import { EnvPush } from '@/components/env/env-push';
import { EnvRevisions } from '@/components/env/env-revisions';
import { RevealProvider } from '@/components/env/reveal';
import { LiveRefresh } from '@/components/live-refresh';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { TabHeader } from '../tab-header';
import { db } from '@/db';
import { findApp, serversOfApp } from '@/db/queries/apps';
import { listEnvRevisions } from '@/db/queries/env-revisions';
import { listEnvKeys } from '@/db/queries/env-values';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { envPushSummary } from '@/lib/env/push';

/** The app's environment: keys (values masked), push state per server, paste, pull, revisions. */
export default async function EnvPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const id = z.uuid().safeParse((await params).id);
  const app = id.success ? await findApp(db(), id.data) : undefined;
  if (!app) notFound();
  const canEdit = hasRole(user.role, 'deployer');
  const [keys, revisions, push, servers] = await Promise.all([
    listEnvKeys(db(), app.id),
    listEnvRevisions(db(), app.id),
    envPushSummary(db(), app.id),
    serversOfApp(db(), app.id),
  ]);
  const latest = push.latest;
  return (
    <RevealProvider appId={app.id}>
      <LiveRefresh active={push.servers.some((s) => s.running)} />
      <TabHeader
        title="Environment"
        description="Values are sealed at rest and masked here. Saving makes a revision; pushing writes shared/.env on the servers without a release."
        actions={
          <span className="flex items-center gap-3 text-sm">
            {latest > 0 && <span>revision #{latest}</span>}
            {push.pending && <Badge tone="warn">pending push</Badge>}
            {canEdit && latest > 0 && (
              <a className="text-indigo-700 hover:underline" href={`/apps/${app.id}/env/export`}>
                Export .env
              </a>
            )}
          </span>
        }
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Variables" description="Keys are A–Z, 0–9 and _. Values may span lines; quotes and $ are kept exactly.">
          <EnvEditor
            key={latest}
            appId={app.id}
            revision={latest}
            keys={keys.map((k) => ({ key: k.key, managed: k.managed }))}
            canEdit={canEdit}
          />
        </Card>
        <div className="space-y-6">
          <Card title="Servers" description="The revision in each server's shared/.env.">
            <EnvPush
              appId={app.id}
              latest={latest}
              canPush={canEdit}
              servers={push.servers.map((s) => ({ ...s, pushedAt: s.pushedAt?.toISOString() ?? null }))}
            />
          </Card>
          {canEdit && (
            <Card title="Paste a .env file" description="Sets the keys it names; other keys stay.">
              <EnvImport key={latest} appId={app.id} revision={latest} existing={keys.map((k) => k.key)} />
            </Card>
          )}
          {canEdit && (
            <Card title="Pull from a server" description="Import what a server has in shared/.env, after seeing the diff.">
              <EnvPull appId={app.id} servers={servers.map((s) => ({ id: s.id, name: s.name }))} />
            </Card>
          )}
        </div>
        <Card title="Revisions">
          <EnvRevisions
            appId={app.id}
            latest={latest}
            canEdit={canEdit}
            revisions={revisions.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }))}
          />
        </Card>
      </div>
    </RevealProvider>
  );
}
