'use client';

import { useRouter } from 'next/navigation';
import { updateAppPlacement } from '@/app/(panel)/apps/actions';
import { removeAppServer } from '@/app/(panel)/apps/[id]/delete-actions';
import { ButtonForm } from '@/components/forms/button-form';
import { ActionForm } from '@/components/forms/action-form';
import { SelectField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

export const ROLE_CHOICES = [
  { value: 'both', label: 'Web and worker' },
  { value: 'web', label: 'Web only' },
  { value: 'worker', label: 'Worker only' },
];

const roleValue = (roles: string[]) => (roles.length === 1 ? roles[0]! : 'both');

/**
 * Roles per server: web serves HTTP; worker runs queue workers and the scheduler. "Remove from"
 * takes the app off one server with the delete's own teardown (lib/apps/delete.ts), there only.
 */
export function PlacementForm({
  appId,
  servers,
  removing = [],
}: {
  appId: string;
  servers: Array<{ id: string; name: string; roles: string[] | null }>;
  /** Servers the app is being taken off (a teardown queued, running or failed): retrying queues it again. */
  removing?: Array<{ id: string; name: string }>;
}) {
  const router = useRouter();
  const placed = servers.filter((s) => s.roles);
  return (
    <>
      <ActionForm
        action={updateAppPlacement}
        successMessage="Saved; configuring"
        onSuccess={() => router.refresh()}
        aria-label="Servers and roles"
        className="grid gap-3 sm:grid-cols-2"
      >
        <input type="hidden" name="appId" value={appId} />
        {servers.map((s) => (
          <SelectField
            key={s.id}
            name={`role-${s.id}`}
            label={`Roles on ${s.name}`}
            options={s.roles ? ROLE_CHOICES : [{ value: 'none', label: 'Not used' }, ...ROLE_CHOICES]}
            defaultValue={s.roles ? roleValue(s.roles) : 'none'}
          />
        ))}
        <div className="flex items-end">
          <Button type="submit">Save and apply</Button>
        </div>
      </ActionForm>
      {removing.length > 0 && (
        <ul className="mt-4 space-y-2" data-testid="removing-server">
          {removing.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center gap-2 text-sm">
              <span>Being taken off {s.name}: if its teardown failed (the server was down), retry once it is reachable.</span>
              <ButtonForm
                action={removeAppServer}
                fields={{ appId, serverId: s.id }}
                label={`Retry removal from ${s.name}`}
                variant="danger"
                successMessage={`Removing from ${s.name} again`}
                onSuccess={() => router.refresh()}
                aria-label={`Retry removal from ${s.name}`}
              />
            </li>
          ))}
        </ul>
      )}
      {placed.length > 1 && (
        <div className="mt-4 flex flex-wrap gap-2" data-testid="remove-server">
          {placed.map((s) => (
            <ButtonForm
              key={s.id}
              action={removeAppServer}
              fields={{ appId, serverId: s.id }}
              label={`Remove from ${s.name}`}
              variant="danger"
              successMessage={`Removing from ${s.name}: its site, pool, workers, cron, certificates, files and user there go`}
              onSuccess={() => router.refresh()}
              aria-label={`Remove from ${s.name}`}
            />
          ))}
        </div>
      )}
    </>
  );
}
