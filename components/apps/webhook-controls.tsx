'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { toast } from 'sonner';
import { removeWebhook, rotateWebhookSecret } from '@/app/(panel)/apps/[id]/webhook-actions';
import { ActionForm } from '@/components/forms/action-form';
import { Button } from '@/components/ui/button';

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  return (
    <Button
      type="button"
      variant="secondary"
      onClick={() =>
        navigator.clipboard.writeText(text).then(
          () => toast.success('Copied'),
          () => toast.error('The browser refused the clipboard: select and copy by hand.'),
        )
      }
    >
      {label}
    </Button>
  );
}

/**
 * Create / rotate and remove, for admins. A new secret lives only in this component's state:
 * shown once, gone on reload, never stored in the clear.
 */
export function WebhookControls({ appId, hasSecret }: { appId: string; hasSecret: boolean }) {
  const router = useRouter();
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <div className="mt-4 space-y-3">
      {secret && (
        <div role="status" className="rounded-md bg-amber-50 p-3 text-sm ring-1 ring-amber-200">
          <p className="font-medium text-amber-900">
            Copy this secret into your CI now (e.g. as BERTH_WEBHOOK_SECRET): it is not shown again.
          </p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <code data-testid="webhook-secret" className="break-all rounded bg-white px-2 py-1 font-mono text-xs ring-1 ring-amber-200">
              {secret}
            </code>
            <CopyButton text={secret} label="Copy secret" />
          </div>
        </div>
      )}
      <div className="flex flex-wrap gap-2">
        <ActionForm
          action={rotateWebhookSecret}
          successMessage={hasSecret ? 'Secret rotated: the old one no longer works' : 'Webhook secret created'}
          onSuccess={(data) => {
            setSecret(data.secret);
            router.refresh();
          }}
          aria-label="Webhook secret"
        >
          <input type="hidden" name="appId" value={appId} />
          <Button type="submit" variant={hasSecret ? 'secondary' : 'primary'}>
            {hasSecret ? 'Rotate secret' : 'Create secret'}
          </Button>
        </ActionForm>
        {hasSecret && (
          <ActionForm
            action={removeWebhook}
            successMessage="Webhook removed"
            onSuccess={() => {
              setSecret(null);
              router.refresh();
            }}
            aria-label="Remove webhook"
          >
            <input type="hidden" name="appId" value={appId} />
            <Button type="submit" variant="danger">
              Remove webhook
            </Button>
          </ActionForm>
        )}
      </div>
    </div>
  );
}
