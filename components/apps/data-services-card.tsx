import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import type { EnvKey } from '@/db/queries/env-values';
import type { AppConfig } from '@/lib/model/app-config';
import { POSTGRES_KEYS, REDIS_KEYS, dataServiceNames } from '@/lib/model/data-names';
import type { DataServer } from '@/lib/apps/data-services';

const MANAGED = new Set<string>([...POSTGRES_KEYS, ...REDIS_KEYS]);

/**
 * The app's database and Redis user, and the env keys Berth manages for them. Values stay on
 * the server (sealed in app_env_values): the page shows keys only, every value masked. `data` is
 * where they live (lib/apps/data-services.ts), with the warnings of its last configure run; the
 * page loads it only when a data service is on.
 */
export function DataServicesCard({
  config,
  envKeys,
  data,
}: {
  config: AppConfig;
  envKeys: EnvKey[];
  data: (DataServer & { warnings: string[] }) | null;
}) {
  const { postgres, redis } = config.dataServices;
  if ((!postgres && !redis) || !data) {
    return (
      <Card title="Data services" description="No database or Redis user. Turn them on in the app's settings.">
        <span data-testid="data-services-off" />
      </Card>
    );
  }
  const names = dataServiceNames(config.slug);
  const managed = envKeys.filter((k) => k.managed && MANAGED.has(k.key));
  const { warnings } = data;
  const where = data.gone
    ? 'Made on a server that no longer serves this app: configure refuses to start over with empty ones elsewhere. Place the app on that server again.'
    : data.pinned
      ? `On ${data.server!.name}, where they were made; they stay there whatever the app's placements become.`
      : `On ${data.server?.name ?? 'the first web server'}, made by the next configure run.`;
  return (
    <Card title="Data services" description={where}>
      {warnings.length > 0 && (
        <ul
          data-testid="data-services-warnings"
          role="alert"
          className="mb-3 space-y-1 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200"
        >
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <dl data-testid="data-services" className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        {postgres && (
          <>
            <dt className="text-slate-500">PostgreSQL</dt>
            <dd>
              database <code>{names.database}</code>, owned by role <code>{names.role}</code>; no other role may connect
            </dd>
          </>
        )}
        {redis && (
          <>
            <dt className="text-slate-500">Redis</dt>
            <dd>
              user <code>{names.redisUser}</code>, keys and channels <code>{names.redisPrefix}*</code>
            </dd>
          </>
        )}
      </dl>
      {managed.length === 0 ? (
        <p className="mt-3 text-sm text-slate-600">Credentials are generated when the app is next configured.</p>
      ) : (
        <div className="overflow-x-auto">
          <table data-testid="managed-env" className="mt-3 w-full text-left text-sm">
            <tbody>
              {managed.map((k) => (
                <tr key={k.key} className="border-t border-slate-100">
                  <td className="py-1 font-mono">{k.key}</td>
                  <td className="py-1 font-mono text-slate-400" aria-label="hidden value">
                    ••••••••
                  </td>
                  <td className="py-1 text-right">
                    <Badge>managed</Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
