'use client';

import { createContext, useCallback, useContext, useState } from 'react';
import { toast } from 'sonner';
import { confirmPasswordAction, revealEnvAction } from '@/app/(panel)/apps/[id]/env/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

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
      {askPassword && (
        <section aria-label="Confirm your password" className="mb-4 rounded-md bg-amber-50 p-3 ring-1 ring-amber-200">
          <p className="text-sm text-amber-900">
            Revealing values needs a recent sign-in. Confirm your password; it counts for 10 minutes.
          </p>
          <ActionForm
            action={confirmPasswordAction}
            successMessage="Password confirmed: reveal again"
            onSuccess={() => setAskPassword(false)}
            resetOnSuccess
            className="mt-2 flex items-end gap-2"
            aria-label="Confirm password"
          >
            <Field name="password" label="Password" type="password" autoComplete="current-password" />
            <Button type="submit">Confirm</Button>
          </ActionForm>
        </section>
      )}
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
