'use client';

import { useRouter } from 'next/navigation';
import { acceptGitHostKey, regenerateAppDeployKey } from '@/app/(panel)/apps/[id]/deploy-key-actions';
import { ActionForm } from '@/components/forms/action-form';
import { Button } from '@/components/ui/button';

/** Generate or regenerate the app's deploy key (admins). */
export function RegenerateDeployKey({ appId, hasKey }: { appId: string; hasKey: boolean }) {
  const router = useRouter();
  return (
    <ActionForm
      action={regenerateAppDeployKey}
      successMessage={hasKey ? 'New deploy key made: add it on the git host and remove the old one' : 'Deploy key made'}
      onSuccess={() => router.refresh()}
      aria-label="Deploy key"
    >
      <input type="hidden" name="appId" value={appId} />
      <Button type="submit" variant={hasKey ? 'secondary' : 'primary'}>
        {hasKey ? 'Regenerate key' : 'Generate key'}
      </Button>
    </ActionForm>
  );
}

/** Pins the git host's new key, the one shown beside this button (admins). */
export function AcceptGitHostKey({ appId, fingerprint }: { appId: string; fingerprint: string }) {
  const router = useRouter();
  return (
    <ActionForm
      action={acceptGitHostKey}
      successMessage="New git host key pinned"
      onSuccess={() => router.refresh()}
      aria-label="Accept the git host's new key"
    >
      <input type="hidden" name="appId" value={appId} />
      <input type="hidden" name="fingerprint" value={fingerprint} />
      <Button type="submit" variant="danger">
        Accept the new key
      </Button>
    </ActionForm>
  );
}
