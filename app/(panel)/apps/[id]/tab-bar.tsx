'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

/** The app page's tabs: each its own URL (bookmarkable), `path` relative to /apps/<id>. */
export const APP_TABS = [
  { path: '', label: 'Overview' },
  { path: '/deployments', label: 'Deployments' },
  { path: '/env', label: 'Environment' },
  { path: '/dashboard', label: 'Monitoring' },
  { path: '/backups', label: 'Backups' },
  { path: '/settings', label: 'Settings' },
] as const;

/** Pages under a tab that are not tabs themselves: a release's page belongs to Deployments. */
const BELONGS_TO: Record<string, string> = { '/releases': '/deployments' };

function currentTab(pathname: string, base: string): string {
  const rest = pathname.startsWith(base) ? pathname.slice(base.length) : '';
  const first = rest.match(/^\/[^/]+/)?.[0] ?? '';
  return BELONGS_TO[first] ?? first;
}

/** Plain links, so each tab is server-rendered on its own; the current one is marked for screen readers too. */
export function AppTabBar({ appId }: { appId: string }) {
  const base = `/apps/${appId}`;
  const current = currentTab(usePathname(), base);
  return (
    <nav aria-label="App sections" className="-mx-1 mb-6 overflow-x-auto border-b border-slate-200">
      <ul className="flex min-w-max gap-1 px-1">
        {APP_TABS.map((tab) => {
          const active = tab.path === current;
          return (
            <li key={tab.label}>
              <Link
                href={`${base}${tab.path}`}
                aria-current={active ? 'page' : undefined}
                data-testid={`app-tab-${tab.label.toLowerCase()}`}
                className={`-mb-px inline-block border-b-2 px-3 py-2 text-sm font-medium ${
                  active
                    ? 'border-indigo-600 text-indigo-700'
                    : 'border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900'
                }`}
              >
                {tab.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
