'use client';

import { useRouter } from 'next/navigation';
import { configureApp, updateAppSettings } from '@/app/(panel)/apps/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field, SelectField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import type { AppConfig } from '@/lib/model/app-config';

const PM = [
  { value: 'dynamic', label: 'dynamic' },
  { value: 'static', label: 'static' },
  { value: 'ondemand', label: 'ondemand' },
];

/** Every PHP-FPM pool setting; "Save and apply" re-runs configure, no release. */
export function PoolForm({ appId, pool }: { appId: string; pool: AppConfig['pool'] }) {
  const router = useRouter();
  const number = (name: string, label: string, value: number) => <Field name={name} label={label} type="number" defaultValue={value} />;
  return (
    <ActionForm
      action={updateAppSettings}
      successMessage="Saved; configuring"
      onSuccess={() => router.refresh()}
      aria-label="PHP-FPM pool"
      className="grid gap-3 sm:grid-cols-3"
    >
      <input type="hidden" name="appId" value={appId} />
      <SelectField name="pm" label="pm" options={PM} defaultValue={pool.pm} />
      {number('maxChildren', 'max_children', pool.maxChildren)}
      {number('startServers', 'start_servers', pool.startServers)}
      {number('minSpareServers', 'min_spare_servers', pool.minSpareServers)}
      {number('maxSpareServers', 'max_spare_servers', pool.maxSpareServers)}
      {number('maxRequests', 'max_requests', pool.maxRequests)}
      {number('phpMemoryLimitMb', 'memory_limit (MB)', pool.memoryLimitMb)}
      {number('requestTerminateTimeoutS', 'request_terminate_timeout (s)', pool.requestTerminateTimeoutS)}
      {number('uploadMaxMb', 'Upload / post size (MB)', pool.uploadMaxMb)}
      {number('slowlogThresholdS', 'Slowlog threshold (s, 0 = off)', pool.slowlogThresholdS)}
      <div className="flex items-end sm:col-span-2">
        <Button type="submit">Save and apply</Button>
      </div>
    </ActionForm>
  );
}

export function ConfigureButton({ appId }: { appId: string }) {
  const router = useRouter();
  return (
    <ActionForm action={configureApp} successMessage="Configure queued" onSuccess={() => router.refresh()} aria-label="Configure">
      <input type="hidden" name="appId" value={appId} />
      <Button type="submit" variant="secondary">
        Configure now
      </Button>
    </ActionForm>
  );
}
