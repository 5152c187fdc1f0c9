'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { setKey } from '@/app/(panel)/servers/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Button } from '@/components/ui/button';
import { PrivateKeyField } from './add-server-form';

/** A server from a definition whose key reference this panel does not hold: nothing connects until it is set. */
export function SetKeyForm({ serverId }: { serverId: string }) {
  const router = useRouter();
  const [paste, setPaste] = useState(false);
  return (
    <ActionForm
      action={setKey}
      successMessage="Key set"
      onSuccess={() => router.refresh()}
      aria-label="Set the SSH key"
      className="space-y-3"
    >
      <p className="text-sm" data-testid="needs-key">
        This server came from a definition that refers to its SSH key, and this panel does not hold it yet. Nothing connects until it is
        set.
      </p>
      <input type="hidden" name="serverId" value={serverId} />
      <label className="flex items-center gap-2 text-sm">
        <input type="radio" name="keyMode" checked={!paste} onChange={() => setPaste(false)} /> Generate a new ed25519 key pair
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input type="radio" name="keyMode" checked={paste} onChange={() => setPaste(true)} /> Paste the private key
      </label>
      {paste && <PrivateKeyField />}
      <Button type="submit">Set key</Button>
    </ActionForm>
  );
}
