import Link from 'next/link';
import { Nav, type NavItem } from '@/components/shell/nav';
import { UserMenu } from '@/components/shell/user-menu';
import { TimeZoneProvider } from '@/components/ui/time';
import { BrowserTimeZone } from '@/components/users/browser-time-zone';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { zoneOrFallback } from '@/lib/time/zones';

export default async function PanelLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const items: NavItem[] = [
    { href: '/', label: 'Overview' },
    { href: '/servers', label: 'Servers' },
    { href: '/apps', label: 'Apps' },
    { href: '/monitors', label: 'Monitors' },
    { href: '/alerts', label: 'Alerts' },
    { href: '/backups', label: 'Backups' },
    ...(hasRole(user.role, 'admin')
      ? [
          { href: '/definitions', label: 'Definitions' },
          { href: '/activity', label: 'Activity' },
        ]
      : []),
    { href: '/settings', label: 'Settings' },
  ];
  // Every time on every page renders in the user's zone, on the server and when hydrating alike.
  return (
    <TimeZoneProvider zone={zoneOrFallback(user.timeZone)}>
      {user.timeZone === null && <BrowserTimeZone />}
      <div className="min-h-screen">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:m-2 focus:rounded focus:bg-white focus:px-3 focus:py-1">
          Skip to content
        </a>
        <header className="bg-slate-900">
          <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-2">
            <div className="flex flex-wrap items-center gap-6">
              <Link href="/" className="text-sm font-bold tracking-wide text-white">
                BERTH
              </Link>
              <Nav items={items} />
            </div>
            <UserMenu name={user.name} email={user.email} role={user.role} />
          </div>
        </header>
        <main id="main" className="mx-auto max-w-6xl px-4 py-8">
          {children}
        </main>
      </div>
    </TimeZoneProvider>
  );
}
