'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { confirmPullAction, previewPullAction } from '@/app/(panel)/apps/[id]/env/actions';
import { ActionForm } from '@/components/forms/action-form';
import { SelectField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import type { EnvChange } from '@/db/schema';

type Preview = { serverId: string; token: string; changes: EnvChange[] };
const SIGN = { added: '+', changed: '~', removed: '−' } as const;

/** Import a server's shared/.env: first the diff by key, then a confirm that saves it as a revision (refused if the file changed since). */
export function EnvPull({ appId, servers }: { appId: string; servers: { id: string; name: string }[] }) {
  const router = useRouter();
  const [preview, setPreview] = useState<Preview | null>(null);
  if (servers.length === 0) return <p className="text-sm text-slate-600">The app is on no server.</p>;
  return (
    <div className="space-y-3">
      <ActionForm
        action={previewPullAction}
        onSuccess={(data) => setPreview({ serverId: data.serverId, token: data.token, changes: data.changes })}
        className="flex items-end gap-2"
        aria-label="Pull from server"
      >
        <input type="hidden" name="appId" value={appId} />
        <SelectField name="serverId" label="Server" options={servers.map((s) => ({ value: s.id, label: s.name }))} />
        <Button type="submit" variant="secondary">
          Preview
        </Button>
      </ActionForm>
      {preview && (
        <div data-testid="env-pull-preview" className="rounded-md bg-slate-50 p-3 text-sm ring-1 ring-slate-200">
          {preview.changes.length === 0 ? (
            <p>The server has exactly the saved environment.</p>
          ) : (
            <>
              <ul className="font-mono text-xs">
                {preview.changes.map((c) => (
                  <li key={c.key}>
                    {SIGN[c.kind]} {c.key}
                  </li>
                ))}
              </ul>
              <ActionForm
                action={confirmPullAction}
                successMessage="Imported as a new revision"
                onSuccess={() => {
                  setPreview(null);
                  router.refresh();
                }}
                aria-label="Import pulled env"
                className="mt-2"
              >
                <input type="hidden" name="appId" value={appId} />
                <input type="hidden" name="serverId" value={preview.serverId} />
                <input type="hidden" name="token" value={preview.token} />
                <Button type="submit">Save as a new revision</Button>
              </ActionForm>
            </>
          )}
        </div>
      )}
    </div>
  );
}
