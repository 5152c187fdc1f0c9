'use client';

import { useRouter } from 'next/navigation';
import { deployApp, rollbackApp } from '@/app/(panel)/apps/[id]/release-actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

/** Deploy a branch or a sha; the new release's page follows its log. */
/**
 * `canary` (two servers or more): the release goes to one server first, through its gate and watch
 * window, before the rest. With a migration hook the operator is told what that means first.
 */
export function DeployForm({ appId, branch, canary, migrates }: { appId: string; branch: string; canary?: boolean; migrates?: boolean }) {
  const router = useRouter();
  return (
    <ActionForm
      action={deployApp}
      successMessage="Release queued"
      onSuccess={(data) => router.push(`/apps/${appId}/releases/${data.id}`)}
      aria-label="Deploy"
      className="flex flex-wrap items-end gap-3"
    >
      <input type="hidden" name="appId" value={appId} />
      <Field name="ref" label="Branch or commit" placeholder={branch} />
      {canary && (
        <label
          className="flex max-w-md items-start gap-2 text-sm"
          title="One server first: gate, health check and watch window; then the rest"
        >
          <input type="checkbox" name="canary" value="on" className="mt-1" />
          <span>
            Canary: one server first, then the rest
            {migrates && (
              <span className="block text-xs text-amber-800" data-testid="canary-migration-note">
                The migration runs with the canary: the other servers serve the old code against the migrated schema until they switch.
              </span>
            )}
          </span>
        </label>
      )}
      <Button type="submit">Deploy</Button>
    </ActionForm>
  );
}

/** Deploy the current release's commit again (e.g. after changing build commands). */
export function RedeployButton({ appId, sha }: { appId: string; sha: string }) {
  const router = useRouter();
  return (
    <ActionForm
      action={deployApp}
      successMessage="Release queued"
      onSuccess={(data) => router.push(`/apps/${appId}/releases/${data.id}`)}
      aria-label="Redeploy"
    >
      <input type="hidden" name="appId" value={appId} />
      <input type="hidden" name="ref" value={sha} />
      <input type="hidden" name="redeploy" value="1" />
      <Button type="submit" variant="secondary">
        Redeploy
      </Button>
    </ActionForm>
  );
}

/**
 * One click; the env that deploy ran with comes back too only when ticked (a rotated secret must
 * not return by accident). A target marked bad says so on the button itself ("Roll back anyway",
 * the reason beside it): offered, never picked by accident.
 */
export function RollbackButton({
  appId,
  targetId,
  number,
  envRevision,
  warning = null,
}: {
  appId: string;
  targetId: string;
  number: number;
  envRevision: number | null;
  warning?: string | null;
}) {
  const router = useRouter();
  return (
    <ActionForm
      action={rollbackApp}
      successMessage="Rollback queued"
      onSuccess={(data) => router.push(`/apps/${appId}/releases/${data.id}`)}
      aria-label={`Roll back to ${number}`}
      className="inline-flex items-center gap-2"
    >
      <input type="hidden" name="appId" value={appId} />
      <input type="hidden" name="targetId" value={targetId} />
      {envRevision && (
        <label className="flex items-center gap-1 text-xs text-slate-600">
          <input type="checkbox" name="restoreEnv" value="on" /> with env #{envRevision}
        </label>
      )}
      <Button type="submit" variant={warning ? 'danger' : 'secondary'} title={warning ?? undefined}>
        {warning ? 'Roll back anyway' : 'Roll back'}
      </Button>
    </ActionForm>
  );
}
