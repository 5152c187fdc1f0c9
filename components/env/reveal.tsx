'use client';

import { ConfirmPassword } from '@/components/auth/confirm-password';
import { createContext, useCallback, useContext, useState } from 'react';
import { toast } from 'sonner';
import { revealEnvAction } from '@/app/(panel)/apps/[id]/env/actions';

type Reveal = (key: string, revision?: number) => Promise<{ value: string | null } | null>;
const RevealContext = createContext<Reveal>(async () => null);

/** Reveals one value on demand. A stale sign-in asks for the password once, then the reveal is tried again by the user. */
export function useReveal(): Reveal {
  return useContext(RevealContext);
}

export function RevealProvider({ appId, children }: { appId: string; children: React.ReactNode }) {
  const [askPassword, setAskPassword] = useState(false);
  const reveal = useCallback<Reveal>(
    async (key, revision) => {
      const result = await revealEnvAction(null, { appId, key, ...(revision !== undefined && { revision }) });
      if (result.ok) return { value: result.data.value };
      if (/sign-in within the last 10 minutes/.test(result.error)) setAskPassword(true);
      toast.error(result.error);
      return null;
    },
    [appId],
  );
  return (
    <RevealContext.Provider value={reveal}>
      {askPassword && <ConfirmPassword what="values" onConfirmed={() => setAskPassword(false)} className="mb-4" />}
      {children}
    </RevealContext.Provider>
  );
}

/** A masked value with a Reveal button; the clear value lives only in this component's state. */
export function MaskedValue({
  envKey,
  revision,
  label,
  canReveal = true,
}: {
  envKey: string;
  revision?: number;
  label?: string;
  canReveal?: boolean;
}) {
  const reveal = useReveal();
  const [shown, setShown] = useState<{ value: string | null } | null>(null);
  if (shown) {
    return (
      <span className="inline-flex items-start gap-2">
        <pre
          data-testid={`revealed-${envKey}`}
          className="max-w-md whitespace-pre-wrap break-all rounded bg-slate-50 px-1.5 font-mono text-xs ring-1 ring-slate-200"
        >
          {shown.value ?? '(not set)'}
        </pre>
        <button type="button" className="text-xs text-indigo-700 hover:underline" onClick={() => setShown(null)}>
          Hide
        </button>
      </span>
    );
  }
  return (
    <span className="inline-flex items-center gap-2">
      <span role="img" aria-label="hidden value" className="font-mono text-xs text-slate-500">
        ••••••••
      </span>
      {canReveal && (
        <button
          type="button"
          className="text-xs text-indigo-700 hover:underline"
          aria-label={`Reveal ${label ?? envKey}`}
          onClick={() => void reveal(envKey, revision).then((r) => r && setShown(r))}
        >
          Reveal
        </button>
      )}
    </span>
  );
}
