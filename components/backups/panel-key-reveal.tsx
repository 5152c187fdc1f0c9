'use client';

import { ConfirmPassword } from '@/components/auth/confirm-password';
import { useState } from 'react';
import { toast } from 'sonner';
import { revealTargetKey } from '@/app/(panel)/settings/backup-target-actions';
import { Button } from '@/components/ui/button';

/**
 * "Reveal repository key": asks the server for the key (admins, recent sign-in, audited) and
 * keeps it only in this component's state until Hide, never in the page's HTML or form state.
 * A stale sign-in asks for the password once; then the admin reveals again.
 */
export function PanelKeyReveal({ targetId, name }: { targetId: string; name: string }) {
  const [key, setKey] = useState<string | null>(null);
  const [askPassword, setAskPassword] = useState(false);
  const [busy, setBusy] = useState(false);
  const reveal = async () => {
    setBusy(true);
    try {
      const result = await revealTargetKey(null, { targetId });
      if (result.ok) return setKey(result.data.repoKey);
      if (/sign-in within the last 10 minutes/.test(result.error)) setAskPassword(true);
      toast.error(result.error);
    } finally {
      setBusy(false);
    }
  };
  if (key)
    return (
      <div className="mt-2 rounded-md bg-amber-50 p-3 ring-1 ring-amber-200" data-testid={`repo-key-${name}`}>
        <p className="text-xs text-amber-900">
          {name}'s repository key: it decrypts every backup on this target (the apps' and the panel's). Keep it offline, apart from the
          master key; with it, the target's credential and the master key, npm run restore-panel rebuilds a lost panel.
        </p>
        <pre className="mt-2 select-all break-all rounded bg-white px-2 py-1 font-mono text-xs ring-1 ring-slate-200">{key}</pre>
        <button type="button" className="mt-2 text-xs text-indigo-700 hover:underline" onClick={() => setKey(null)}>
          Hide
        </button>
      </div>
    );
  return (
    <>
      <Button
        type="button"
        variant="secondary"
        disabled={busy}
        onClick={() => void reveal()}
        aria-label={`Reveal repository key of ${name}`}
      >
        Reveal repository key
      </Button>
      {askPassword && <ConfirmPassword what="a key" onConfirmed={() => setAskPassword(false)} className="mt-2 w-full" />}
    </>
  );
}
