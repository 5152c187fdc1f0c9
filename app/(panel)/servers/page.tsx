import Link from 'next/link';
import { ServerStatus } from '@/components/servers/server-status';
import { PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { db } from '@/db';
import { listServers } from '@/db/queries/servers';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';

export const metadata = { title: 'Servers' };

export default async function ServersPage() {
  const user = await requireUser();
  const servers = await listServers(db());
  const canAdd = hasRole(user.role, 'admin');
  const add = canAdd && (
    <Link href="/servers/new" className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">
      Add server
    </Link>
  );
  return (
    <>
      <PageHeader title="Servers" description="The machines Berth deploys to, reached over SSH with pinned host keys." actions={add} />
      {servers.length === 0 ? (
        <EmptyState title="No servers yet">
          Add a VPS over SSH: Berth pins its host key and prepares it with nginx, PHP-FPM, supervisor and cron.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
          {servers.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-3">
              <div>
                <Link href={`/servers/${s.id}`} className="font-medium text-indigo-700 hover:underline">
                  {s.name}
                </Link>
                <p className="text-xs text-slate-500">
                  {s.username}@{s.host}:{s.port}
                  {s.facts ? ` · ${s.facts.os} ${s.facts.osVersion}` : ''}
                </p>
              </div>
              <ServerStatus server={s} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
