import { notFound } from 'next/navigation';
import { z } from 'zod';
import { DriftFindings } from '@/components/drift/drift-findings';
import { LiveRefresh } from '@/components/live-refresh';
import { AccessCard } from '@/components/servers/access-card';
import { HostKeyCard } from '@/components/servers/host-key-card';
import { MetricsChart } from '@/components/servers/metrics-chart';
import { ProvisionButtons } from '@/components/servers/provision-buttons';
import { RunView } from '@/components/servers/run-view';
import { ServerFactsView } from '@/components/servers/server-facts';
import { ServerStatus } from '@/components/servers/server-status';
import { SetKeyForm } from '@/components/servers/set-key-form';
import { DeleteServerForm } from '@/components/servers/delete-server-form';
import { EditServerForm } from '@/components/servers/edit-server-form';
import { appsUsingServer } from '@/db/queries/app-deletes';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db';
import { findingsOfServer } from '@/db/queries/drift';
import { latestRuns, tasksOf } from '@/db/queries/runs';
import { findServer, recentSamples } from '@/db/queries/servers';
import { hasRole } from '@/lib/auth/roles';
import type { Metadata } from 'next';
import { currentUser, requireUser } from '@/lib/auth/session';
import { findingRow } from '@/lib/drift/view';
import { authorizeKeyLine } from '@/lib/servers/authorize-line';

/** "<server name> · Berth"; the name only for a signed-in reader (the layout sends the rest to sign in). */
export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  // Signed out: the layout sends the reader to sign in; nothing is looked up for them.
  if (!(await currentUser())) return {};
  const id = z.uuid().safeParse((await params).id);
  const server = id.success ? await findServer(db(), id.data) : undefined;
  // The not-found page's own title ("Not found · Berth"), as the page itself answers 404.
  if (!server) notFound();
  return { title: server.name };
}

export default async function ServerPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const id = z.uuid().safeParse((await params).id);
  const server = id.success ? await findServer(db(), id.data) : undefined;
  if (!server) notFound();
  const [run] = await latestRuns(db(), server.id, 1);
  const tasks = run ? await tasksOf(db(), run.id) : [];
  const samples = await recentSamples(db(), server.id);
  const appsHere = await appsUsingServer(db(), server.id);
  const canManage = hasRole(user.role, 'admin');
  const drift = (await findingsOfServer(db(), server.id)).map((f) => findingRow(f, server.name, canManage));
  const running = run?.status === 'queued' || run?.status === 'running';
  const probing = Boolean(server.probeRequestedAt && !server.probe);
  const retryFrom = run && (run.status === 'failed' || run.status === 'interrupted') ? run.failedTask : null;

  return (
    <>
      {/* Only the host-key probe is polled: a provisioning run streams itself (RunView), and refreshes the page once it ends. */}
      <LiveRefresh active={probing} />
      <PageHeader
        title={server.name}
        description={`${server.username}@${server.host}:${server.port} · nginx binds to ${server.bindAddress ?? 'all addresses'}`}
        actions={<ServerStatus server={server} running={running} />}
      />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card title="Access" description="Berth logs in with its own key for this server.">
          {server.publicKey ? (
            <AccessCard
              publicKey={server.publicKey}
              username={server.username}
              line={authorizeKeyLine(server.username, server.publicKey)}
            />
          ) : canManage ? (
            <SetKeyForm serverId={server.id} />
          ) : (
            <p className="text-sm">Needs its SSH key: an admin sets it here.</p>
          )}
        </Card>
        <Card title="Host key" description="Pinned on first contact; a different key is refused before logging in.">
          <HostKeyCard
            serverId={server.id}
            pinned={server.hostKeyFingerprint}
            mismatch={server.hostKeyMismatchFingerprint}
            probe={server.probe}
            probing={probing}
            canManage={canManage}
          />
        </Card>
        <Card title="Provisioning" description="nginx, PHP-FPM, supervisor, cron and the tools apps need. Safe to run again.">
          {canManage && (
            <ProvisionButtons
              serverId={server.id}
              disabled={running || !server.hostKeyFingerprint || Boolean(server.hostKeyMismatchAt)}
              retryFrom={retryFrom}
            />
          )}
          <div className="mt-4">
            {run ? <RunView run={run} tasks={tasks} /> : <p className="text-sm text-slate-600">Not provisioned yet.</p>}
          </div>
        </Card>
        <Card title="Health" description="Sampled every minute over the open connection.">
          <ServerFactsView server={server} />
          {samples.length > 0 && (
            <MetricsChart
              points={samples.map((s) => ({
                t: s.at.toISOString(),
                load1: s.load1,
                memory: s.memoryUsedPct,
                disk: s.diskUsedPct,
              }))}
            />
          )}
        </Card>
        {server.provisionedAt && (
          <Card title="Drift" description="Checked every 5 minutes: the files Berth manages and the services it runs, against its plan.">
            <DriftFindings findings={drift} canAct={canManage} serverId={server.id} />
          </Card>
        )}
        {canManage && (
          <Card title="Settings" description="The host and the pinned host key stay; a new port or user is tested at once.">
            <EditServerForm
              serverId={server.id}
              name={server.name}
              port={server.port}
              username={server.username}
              bindAddress={server.bindAddress}
            />
          </Card>
        )}
        {canManage && (
          <Card title="Delete server" description="Removes it from the panel only once no app uses it. The machine is not touched.">
            <DeleteServerForm serverId={server.id} name={server.name} apps={appsHere} />
          </Card>
        )}
      </div>
    </>
  );
}
