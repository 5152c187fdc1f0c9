import type { Server } from '@/db/schema';
import { Badge } from '@/components/ui/badge';
import { Time } from '@/components/ui/time';

export function ServerFactsView({ server }: { server: Server }) {
  const { facts, services } = server;
  return (
    <div className="space-y-3 text-sm">
      {server.lastError && (
        <p role="alert" className="rounded bg-red-50 p-2 text-red-900">
          {server.lastError}
          {server.lastSeenAt && (
            <>
              {' '}
              · last seen <Time value={server.lastSeenAt} format="relative" />
            </>
          )}
        </p>
      )}
      {facts ? (
        <dl data-testid="facts" className="grid grid-cols-2 gap-x-4 gap-y-1">
          <dt className="text-slate-500">OS</dt>
          <dd>
            {facts.os} {facts.osVersion}
          </dd>
          <dt className="text-slate-500">Init system</dt>
          <dd>{facts.init}</dd>
          <dt className="text-slate-500">CPUs</dt>
          <dd>{facts.cpus}</dd>
          <dt className="text-slate-500">Memory</dt>
          <dd>{facts.memoryMb} MB</dd>
          <dt className="text-slate-500">Disk</dt>
          <dd>{facts.diskGb} GB</dd>
        </dl>
      ) : (
        <p className="text-slate-600">Facts appear after the first provisioning.</p>
      )}
      {services && (
        <ul data-testid="services" className="flex flex-wrap gap-2">
          {services.map((s) => (
            <li key={s.name} data-testid={`service-${s.name}`} data-running={s.running}>
              <Badge tone={s.running ? 'good' : 'bad'}>
                {s.name}: {s.running ? 'running' : 'stopped'}
              </Badge>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
