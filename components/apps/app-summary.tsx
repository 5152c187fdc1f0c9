import type { AppConfig } from '@/lib/model/app-config';

/** A read-only view of an app's settings, for those who may not change them. */
export function AppSummary({ config }: { config: AppConfig }) {
  const rows: [string, string][] = [
    ['Domains', config.domains.join(', ')],
    ['Repository', config.repository ? `${config.repository} (${config.branch})` : '—'],
    ['Health check', `${config.healthCheck.path} → ${config.healthCheck.expectStatus}`],
    ['Shared paths', config.sharedPaths.join(', ') || '—'],
    ['Writable paths', config.writablePaths.join(', ') || '—'],
    ['Workers', config.workers.map((w) => `${w.name} ×${w.processes}`).join(', ') || '—'],
    ['Scheduler', config.scheduler ? 'every minute' : 'off'],
    ['Cron lines', String(config.cron.length)],
    ['TLS', config.tls.mode],
    ['Data services', [config.dataServices.postgres && 'Postgres', config.dataServices.redis && 'Redis'].filter(Boolean).join(', ') || '—'],
  ];
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
      {rows.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-slate-500">{k}</dt>
          <dd className="break-all">{v}</dd>
        </div>
      ))}
    </dl>
  );
}
