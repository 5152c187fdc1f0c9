import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { Time } from '@/components/ui/time';
import { loadDeployKeyView } from '@/lib/git-hosts/deploy-key-view';
import { AcceptGitHostKey, RegenerateDeployKey } from './deploy-key-controls';
import { CopyButton } from './webhook-controls';

/**
 * The app's deploy key for private repositories (git@host:path or ssh:// URLs): the public key
 * to paste as a read-only deploy key, its fingerprint, and the git host's pinned host key (with
 * the key it presents instead, when it changed). Loads its own data; the Settings tab places it.
 */
export async function DeployKeyCard({ appId, canManage }: { appId: string; canManage: boolean }) {
  const view = await loadDeployKeyView(appId);
  if (!view) return null;
  const { key, gitHost } = view;
  return (
    <Card
      title="Deploy key"
      description="For a private repository: add this public key to it as a read-only deploy key (GitHub: Settings → Deploy keys; GitLab: Settings → Repository → Deploy keys)."
    >
      <div data-testid="deploy-key-card" className="space-y-3 text-sm">
        {key ? (
          <>
            <p className="flex flex-wrap items-center gap-2">
              <span className="font-medium">Fingerprint</span>
              <code data-testid="deploy-key-fingerprint" className="break-all font-mono text-xs">
                {key.fingerprint}
              </code>
              <Badge>
                Made <Time value={key.createdAt} format="date" />
              </Badge>
            </p>
            <pre data-testid="deploy-key-public" className="whitespace-pre-wrap break-all rounded bg-slate-100 p-2 font-mono text-xs">
              {key.publicKey}
            </pre>
            <CopyButton text={key.publicKey} label="Copy public key" />
          </>
        ) : (
          <p className="text-slate-600">No key yet: one is made on the first fetch over SSH{canManage ? ', or generate it now' : ''}.</p>
        )}
        {!view.sshRepository && <p className="text-slate-600">The repository is not an SSH URL, so the key is not used.</p>}
        {gitHost && (
          <div data-testid="git-host-key" className="border-t border-slate-200 pt-3">
            <p>
              <span className="font-medium">Git host</span> {gitHost.host}:{gitHost.port}:{' '}
              {gitHost.fingerprint ? (
                <>
                  key pinned <Time value={gitHost.pinnedAt} format="date" />{' '}
                  <code className="break-all font-mono text-xs">{gitHost.fingerprint}</code>
                </>
              ) : (
                'its host key is pinned on the first fetch'
              )}
            </p>
            {gitHost.presentedFingerprint && (
              <div role="alert" className="mt-2 space-y-2 rounded-md bg-red-50 p-3 ring-1 ring-red-200">
                <p className="text-red-800">
                  The git host now presents another key:{' '}
                  <code data-testid="git-host-presented" className="break-all font-mono text-xs">
                    {gitHost.presentedFingerprint}
                  </code>
                  . Fetches are refused until it is accepted. Compare it with the fingerprint the git host publishes first.
                </p>
                {canManage && <AcceptGitHostKey appId={appId} fingerprint={gitHost.presentedFingerprint} />}
              </div>
            )}
          </div>
        )}
        {canManage && <RegenerateDeployKey appId={appId} hasKey={Boolean(key)} />}
      </div>
    </Card>
  );
}
