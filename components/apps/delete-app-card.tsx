import { Card } from '@/components/ui/card';
import { LiveRefresh } from '@/components/live-refresh';
import { loadDeleteCard } from '@/lib/apps/delete-status';
import { KEPT_AFTER_DELETE } from '@/lib/apps/delete-job';
import { DeleteAppForm } from './delete-app-form';
import { DeleteProgress } from './delete-progress';

/**
 * Deleting the app: what goes (on every server and in the panel), and for admins the form with
 * the typed slug. While a delete is under way (or half failed) it shows each server's state and
 * offers the retry. Loads its own data, so the Settings tab only places it.
 */
export async function DeleteAppCard({ appId, canManage }: { appId: string; canManage: boolean }) {
  const card = await loadDeleteCard(appId);
  if (!card) return null;
  const { status } = card;
  const deleting = status.state === 'deleting';
  const moving = deleting && status.servers.some((s) => s.status === 'queued' || s.status === 'running');
  return (
    <Card
      title="Delete app"
      description="Removes the app from every server it is on: its site, PHP-FPM pool, workers and processes, cron, certificates and their renewal, releases, shared files and logs, and its unix user; then everything the panel keeps for it (monitors, webhooks, environment, releases, backup policies and history)."
    >
      <LiveRefresh active={moving} />
      <p className="mb-3 text-sm text-slate-600">Kept: {KEPT_AFTER_DELETE.join('; ')}.</p>
      {deleting && (
        <div className="mb-3">
          <p className="mb-1 text-sm font-medium text-amber-800">
            {moving ? 'Deleting…' : 'The delete did not finish on every server: fix what failed, then retry.'}
          </p>
          <DeleteProgress status={status} />
        </div>
      )}
      {canManage ? (
        <DeleteAppForm appId={appId} slug={card.slug} hasData={card.hasData} deleting={deleting} />
      ) : (
        <p className="text-sm text-slate-600">Only an admin can delete an app.</p>
      )}
    </Card>
  );
}
