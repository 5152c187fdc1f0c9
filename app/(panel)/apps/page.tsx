import Link from 'next/link';
import { PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { Badge } from '@/components/ui/badge';
import { db } from '@/db';
import { listApps } from '@/db/queries/apps';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';

export const metadata = { title: 'Apps' };

export default async function AppsPage() {
  const user = await requireUser();
  const apps = await listApps(db());
  const add = hasRole(user.role, 'admin') && (
    <Link href="/apps/new" className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">
      Create app
    </Link>
  );
  return (
    <>
      <PageHeader title="Apps" description="PHP, process and static apps, each isolated under its own user." actions={add} />
      {apps.length === 0 ? (
        <EmptyState title="No apps yet">
          Once a server is provisioned, create an app on it: Berth sets up its user, directories, PHP-FPM pool, nginx vhost, workers and
          scheduler.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
          {apps.map((a) => (
            <li key={a.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-3">
              <div>
                <Link href={`/apps/${a.id}`} className="font-medium text-indigo-700 hover:underline">
                  {a.name}
                </Link>
                <p className="text-xs text-slate-500">
                  {a.slug} · {a.config.domains.join(', ')}
                </p>
              </div>
              <Badge>{a.config.kind}</Badge>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
