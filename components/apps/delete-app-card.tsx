import { Card } from '@/components/ui/card';

/**
 * Deleting the app: what goes (on every server and in the panel), and for admins the form with the
 * typed slug. A stub until the delete flow lands; it loads its own data so the Settings tab only places it.
 */
export async function DeleteAppCard({ appId, canManage }: { appId: string; canManage: boolean }) {
  if (!canManage) return null;
  return (
    <Card title="Delete app">
      <p className="text-sm text-slate-600" data-app-id={appId}>
        Deleting an app is not available yet.
      </p>
    </Card>
  );
}
