'use client';

import { useTransition } from 'react';
import { toast } from 'sonner';
import { Button } from '@/components/ui/button';
import type { ActionResult } from '@/lib/auth/action-core';

/** Runs an export action and saves what it returns as a YAML file. */
export function ExportButton({
  action,
  payload,
  label,
}: {
  action: (prev: unknown, payload: unknown) => Promise<ActionResult<{ text: string; filename: string }>>;
  payload: Record<string, string>;
  label: string;
}) {
  const [pending, start] = useTransition();
  return (
    <Button
      type="button"
      variant="secondary"
      disabled={pending}
      onClick={() =>
        start(async () => {
          const result = await action(null, payload);
          if (!result.ok) return void toast.error(result.error);
          const url = URL.createObjectURL(new Blob([result.data.text], { type: 'application/yaml' }));
          const a = Object.assign(document.createElement('a'), { href: url, download: result.data.filename });
          a.click();
          URL.revokeObjectURL(url);
        })
      }
    >
      {label}
    </Button>
  );
}
