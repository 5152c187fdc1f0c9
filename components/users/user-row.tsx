'use client';

import { useRouter } from 'next/navigation';
import { resetUserPassword, setUserDisabled, setUserRole } from '@/app/(panel)/settings/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Time } from '@/components/ui/time';
import { ROLE_OPTIONS } from './role-options';

export type UserRowData = {
  id: number;
  name: string;
  email: string;
  role: string;
  disabled: boolean;
  lastLogin: Date | null;
  self: boolean;
};

export function UserRow({ user, canEdit }: { user: UserRowData; canEdit: boolean }) {
  const router = useRouter();
  const refresh = () => router.refresh();
  return (
    <li className="flex flex-wrap items-start justify-between gap-4 py-4" data-testid={`user-${user.email}`}>
      <div className="min-w-48">
        <p className="font-medium">
          {user.name} {user.self && <Badge>you</Badge>} {user.disabled && <Badge tone="bad">disabled</Badge>}
        </p>
        <p className="text-sm text-slate-600">{user.email}</p>
        <p className="text-xs text-slate-500">
          Last sign-in: <Time value={user.lastLogin} fallback="never" />
        </p>
      </div>
      {canEdit ? (
        <div className="flex flex-wrap items-end gap-3">
          <ActionForm
            action={setUserRole}
            successMessage="Role changed"
            onSuccess={refresh}
            className="flex items-end gap-2"
            aria-label={`Role of ${user.email}`}
          >
            <input type="hidden" name="userId" value={user.id} />
            <label className="text-sm">
              <span className="sr-only">Role</span>
              <select name="role" defaultValue={user.role} className="rounded-md px-2 py-1.5 text-sm ring-1 ring-slate-300">
                {ROLE_OPTIONS.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
            <Button type="submit" variant="secondary">
              Save role
            </Button>
          </ActionForm>
          <ActionForm action={setUserDisabled} successMessage={user.disabled ? 'User enabled' : 'User disabled'} onSuccess={refresh}>
            <input type="hidden" name="userId" value={user.id} />
            <input type="hidden" name="disabled" value={String(!user.disabled)} />
            <Button type="submit" variant={user.disabled ? 'secondary' : 'danger'}>
              {user.disabled ? 'Enable' : 'Disable'}
            </Button>
          </ActionForm>
          <details>
            <summary className="cursor-pointer text-sm text-indigo-700">Reset password</summary>
            <ActionForm
              action={resetUserPassword}
              successMessage="Password reset; their sessions ended"
              resetOnSuccess
              className="mt-2 flex items-end gap-2"
            >
              <input type="hidden" name="userId" value={user.id} />
              <Field name="password" label="New password" type="password" autoComplete="new-password" />
              <Button type="submit" variant="secondary">
                Set
              </Button>
            </ActionForm>
          </details>
        </div>
      ) : (
        <Badge>{user.role}</Badge>
      )}
    </li>
  );
}
