'use client';

import type { ServerAction } from '@/lib/auth/action-core';
import { Button } from '@/components/ui/button';
import { ActionForm } from './action-form';

type Props<T> = {
  action: ServerAction<T>;
  /** Sent as hidden fields: which thing the button acts on. */
  fields: Record<string, string>;
  label: string;
  variant?: React.ComponentProps<typeof Button>['variant'];
  successMessage: string;
  onSuccess?: (data: T) => void;
  'aria-label': string;
};

/** One button bound to an action (Revoke, Revert, Approve…): an ActionForm with its target in hidden fields. */
export function ButtonForm<T>({ action, fields, label, variant, successMessage, onSuccess, ...rest }: Props<T>) {
  return (
    <ActionForm action={action} successMessage={successMessage} onSuccess={onSuccess} aria-label={rest['aria-label']}>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <Button type="submit" variant={variant}>
        {label}
      </Button>
    </ActionForm>
  );
}
