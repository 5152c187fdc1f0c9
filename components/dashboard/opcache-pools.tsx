import type { PoolOpcache } from '@/lib/fpm/opcache-read';
import { Time } from '@/components/ui/time';

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * OPcache per web server, read from the app's own pool. Memory is the php-fpm master's, shared
 * by every pool on the server; the app's scripts are split by release directory, because an old
 * release's scripts stay cached (and hold memory) until php-fpm restarts or reloads.
 */
export function OpcachePools({ pools }: { pools: PoolOpcache[] }) {
  if (pools.length === 0) return <p className="text-xs text-slate-500">No web servers.</p>;
  return (
    <table className="w-full text-left text-xs">
      <thead className="text-slate-500">
        <tr>
          <th className="py-1 pr-2 font-medium">Server</th>
          <th className="py-1 pr-2 font-medium">Memory used / free</th>
          <th className="py-1 pr-2 font-medium">Cached scripts</th>
          <th className="py-1 pr-2 font-medium">This app, by release</th>
          <th className="py-1 font-medium">Read</th>
        </tr>
      </thead>
      <tbody>
        {pools.map((p) => (
          <tr key={p.serverId} className="border-t border-slate-100 align-top" data-testid="opcache-pool">
            <td className="py-1 pr-2">{p.serverName}</td>
            {!p.ok ? (
              <td colSpan={3} role="alert" className="py-1 pr-2 text-red-700">
                {p.error}
              </td>
            ) : !p.status.enabled ? (
              <td colSpan={3} className="py-1 pr-2 text-slate-600">
                OPcache is disabled in this pool
              </td>
            ) : (
              <>
                <td className="py-1 pr-2 tabular-nums" data-testid="opcache-memory">
                  {mb(p.status.used)} / {mb(p.status.free)}
                  {p.status.wasted > 0 && <span className="text-slate-500"> ({mb(p.status.wasted)} wasted)</span>}
                </td>
                <td className="py-1 pr-2 tabular-nums" title={`at most ${p.status.maxKeys} keys`}>
                  {p.status.cachedScripts} ({p.status.app.scripts} this app)
                </td>
                <td className="py-1 pr-2 tabular-nums">
                  {Object.entries(p.status.releases)
                    .sort(([a], [b]) => Number(b) - Number(a))
                    .map(([n, r]) => `#${n}: ${r.scripts} (${mb(r.bytes)})`)
                    .join(' · ') || 'none'}
                </td>
              </>
            )}
            <td className="py-1 text-slate-500">
              <Time value={p.at} format="relative" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
