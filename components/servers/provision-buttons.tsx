'use client';

import { useRouter } from 'next/navigation';
import { provisionServer } from '@/app/(panel)/servers/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Button } from '@/components/ui/button';

export function ProvisionButtons({ serverId, disabled, retryFrom }: { serverId: string; disabled: boolean; retryFrom: string | null }) {
  const router = useRouter();
  return (
    <div className="flex flex-wrap gap-2">
      <ActionForm action={provisionServer} successMessage="Provisioning queued" onSuccess={() => router.refresh()} aria-label="Provision">
        <input type="hidden" name="serverId" value={serverId} />
        <Button type="submit" disabled={disabled}>
          Provision
        </Button>
      </ActionForm>
      {retryFrom && (
        <ActionForm
          action={provisionServer}
          successMessage={`Retrying from ${retryFrom}`}
          onSuccess={() => router.refresh()}
          aria-label="Retry"
        >
          <input type="hidden" name="serverId" value={serverId} />
          <input type="hidden" name="retry" value="1" />
          <Button type="submit" variant="secondary" disabled={disabled}>
            Retry from {retryFrom}
          </Button>
        </ActionForm>
      )}
    </div>
  );
}
