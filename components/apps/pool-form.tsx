'use client';

import { useRouter } from 'next/navigation';
import { configureApp, updateAppPool } from '@/app/(panel)/apps/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

export function PoolForm({ appId, maxChildren }: { appId: string; maxChildren: number }) {
  const router = useRouter();
  return (
    <ActionForm action={updateAppPool} successMessage="Saved; configuring" onSuccess={() => router.refresh()} aria-label="PHP-FPM pool" className="flex flex-wrap items-end gap-3">
      <input type="hidden" name="appId" value={appId} />
      <Field name="maxChildren" label="max_children" type="number" defaultValue={maxChildren} />
      <Button type="submit">Save and apply</Button>
    </ActionForm>
  );
}

export function ConfigureButton({ appId }: { appId: string }) {
  const router = useRouter();
  return (
    <ActionForm action={configureApp} successMessage="Configure queued" onSuccess={() => router.refresh()} aria-label="Configure">
      <input type="hidden" name="appId" value={appId} />
      <Button type="submit" variant="secondary">Configure now</Button>
    </ActionForm>
  );
}
