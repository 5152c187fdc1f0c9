import { ChannelForm } from '@/components/alerts/channel-form';
import { ChannelRow } from '@/components/alerts/channel-row';
import { DeliveriesTable, type DeliveryLine } from '@/components/alerts/deliveries-table';
import { LiveRefresh } from '@/components/live-refresh';
import { Card, PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { db } from '@/db';
import { recentDeliveries } from '@/db/queries/notifications';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { channelViews } from '@/lib/notify/channels';
import { getRuntime } from '@/lib/runtime';

export const metadata = { title: 'Alerts' };

export default async function AlertsPage() {
  const me = await requireUser();
  const canManage = hasRole(me.role, 'admin');
  const [channels, deliveries] = await Promise.all([
    channelViews(db(), getRuntime().keyRing, { manage: canManage }),
    recentDeliveries(db(), 50),
  ]);
  const rows: DeliveryLine[] = deliveries.map((d) => ({
    id: d.id,
    type: d.event.type,
    test: d.event.type === 'test',
    title: d.event.title,
    channelName: d.channelName,
    status: d.status,
    attempts: d.attempts,
    createdAt: d.createdAt.toISOString(),
    nextAttemptAt: d.nextAttemptAt.toISOString(),
    lastError: d.lastError,
  }));
  // Follow deliveries about to be (re)sent; a retry an hour away is not worth polling for.
  const soon = Date.now() + 2 * 60_000;
  const moving = deliveries.some((d) => d.status === 'pending' && d.nextAttemptAt.getTime() < soon);
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Where Berth sends alerts: monitors going down and up, failed releases, unreachable servers, saturated PHP-FPM pools."
      />
      <LiveRefresh active={moving} ms={3000} />
      <div className="space-y-6">
        <Card
          title="Channels"
          description="Failed sends are retried with backoff (10 s, 30 s, 2 min, 10 min, 30 min, 1 h); the last error stays here until a send succeeds."
        >
          {channels.length === 0 ? (
            <EmptyState title="No channels yet">
              {canManage ? 'Add a webhook, Slack, Discord, Telegram or email channel below.' : 'An admin can add channels.'}
            </EmptyState>
          ) : (
            <ul className="divide-y divide-slate-100" data-testid="channels">
              {channels.map((c) => (
                <ChannelRow key={c.id} channel={c} canManage={canManage} />
              ))}
            </ul>
          )}
        </Card>
        {canManage && (
          <Card
            title="Add a channel"
            description="Secrets (webhook URLs, bot tokens, SMTP passwords) are stored encrypted and never shown again."
          >
            <ChannelForm />
          </Card>
        )}
        <Card
          title="Recent deliveries"
          description="The last 50. A repeat of the same alert within its window (30 min for servers and FPM) is recorded as suppressed, not sent."
        >
          <DeliveriesTable rows={rows} />
        </Card>
      </div>
    </>
  );
}
