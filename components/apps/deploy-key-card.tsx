import { Card } from '@/components/ui/card';

/**
 * The app's deploy key for private repositories (ssh URLs). A stub until the key store lands.
 */
export async function DeployKeyCard({ appId, canManage }: { appId: string; canManage: boolean }) {
  return (
    <Card title="Deploy key" description="Read-only key for fetching a private repository over SSH.">
      <div data-testid="deploy-key-card" data-app-id={appId} data-can-manage={canManage ? 'yes' : 'no'} className="text-sm text-slate-700">
        Not available yet.
      </div>
    </Card>
  );
}
