'use client';

import { useRouter } from 'next/navigation';
import { pushEnvAction } from '@/app/(panel)/apps/[id]/env/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Time } from '@/components/ui/time';

export type PushServer = {
  serverId: string;
  serverName: string;
  envRevision: number | null;
  pushedAt: string | null;
  error: string | null;
  running: boolean;
};

function state(s: PushServer, latest: number) {
  if (s.running) return <Badge tone="warn">pushing…</Badge>;
  if (s.error) return <Badge tone="bad">failed</Badge>;
  if (s.envRevision === latest) return <Badge tone="good">#{latest}</Badge>;
  return <Badge tone="warn">{s.envRevision ? `#${s.envRevision}` : 'never pushed'}</Badge>;
}

/**
 * Which revision each server has in shared/.env, and the push. "Retry" pushes only to servers
 * that failed or are behind; a server that cannot be reached fails alone.
 */
export function EnvPush({ appId, latest, servers, canPush }: { appId: string; latest: number; servers: PushServer[]; canPush: boolean }) {
  const router = useRouter();
  const behind = servers.filter((s) => s.envRevision !== latest || s.error);
  const running = servers.some((s) => s.running);
  return (
    <div className="space-y-3">
      <ul className="space-y-1 text-sm">
        {servers.map((s) => (
          <li key={s.serverId} data-testid={`env-push-${s.serverName}`} className="flex flex-wrap items-center gap-2">
            <span className="font-medium">{s.serverName}</span>
            {state(s, latest)}
            {s.pushedAt && (
              <span className="text-xs text-slate-500">
                last pushed <Time value={s.pushedAt} format="relative" />
              </span>
            )}
            {s.error && !s.running && <span className="w-full text-xs text-red-700">{s.error}</span>}
          </li>
        ))}
      </ul>
      {canPush && latest > 0 && (
        <div className="flex flex-wrap gap-2">
          <ActionForm
            action={pushEnvAction}
            successMessage={`Pushing revision ${latest}`}
            onSuccess={() => router.refresh()}
            aria-label="Push to servers"
          >
            <input type="hidden" name="appId" value={appId} />
            <Button type="submit" disabled={running}>
              Push to servers
            </Button>
          </ActionForm>
          {behind.length > 0 && behind.length < servers.length && (
            <ActionForm
              action={pushEnvAction}
              successMessage={`Pushing revision ${latest} where it is missing`}
              onSuccess={() => router.refresh()}
              aria-label="Retry failed"
            >
              <input type="hidden" name="appId" value={appId} />
              <input type="hidden" name="onlyPending" value="on" />
              <Button type="submit" variant="secondary" disabled={running}>
                Retry where it failed ({behind.map((s) => s.serverName).join(', ')})
              </Button>
            </ActionForm>
          )}
        </div>
      )}
    </div>
  );
}
