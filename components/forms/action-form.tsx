'use client';

import { createContext, startTransition, useActionState, useContext, useEffect, useRef } from 'react';
import { toast } from 'sonner';
import type { ActionResult, ServerAction } from '@/lib/auth/action-core';

type FieldErrors = Record<string, string[]> | undefined;
const ErrorsContext = createContext<FieldErrors>(undefined);

export function useFieldErrors(name: string): string[] | undefined {
  return useContext(ErrorsContext)?.[name];
}

/** Whether a failure is told beside its fields (then its summary is a toast, not said twice in the form). */
function hasFieldErrors(fieldErrors: FieldErrors): boolean {
  return Object.keys(fieldErrors ?? {}).some((name) => name !== '_form');
}

/**
 * Why the whole submission failed (a rule, a lock, a conflict) when no field says it, and schema
 * issues that belong to no one field.
 */
function FormError({ error, fieldErrors }: { error: string; fieldErrors?: FieldErrors }) {
  const lines = [...(hasFieldErrors(fieldErrors) ? [] : [error]), ...(fieldErrors?._form ?? [])];
  if (lines.length === 0) return null;
  return (
    <p role="alert" data-testid="form-error" className="mt-2 rounded bg-red-50 px-2 py-1 text-sm text-red-800">
      {lines.join(' ')}
    </p>
  );
}

type Props<T> = {
  action: ServerAction<T>;
  children: React.ReactNode;
  successMessage?: string;
  resetOnSuccess?: boolean;
  onSuccess?: (data: T) => void;
  className?: string;
  'aria-label'?: string;
};

/**
 * A form bound to an authedAction: shows every field error beside its field (with the summary in
 * a toast), a form-wide error inline at the end of the form (role=alert), and keeps the typed
 * values when validation fails.
 */
export function ActionForm<T>({ action, children, successMessage, resetOnSuccess, onSuccess, className, ...rest }: Props<T>) {
  const [result, formAction, pending] = useActionState<ActionResult<T> | null, FormData>(action, null);
  const formRef = useRef<HTMLFormElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new result should fire this (one toast per submission), not a new callback or message from a re-render
  useEffect(() => {
    if (!result) return;
    if (result.ok) {
      if (successMessage) toast.success(successMessage);
      // An action that succeeded with a caveat (e.g. "saved; web-2 was busy") says so in data.notice.
      const notice = (result.data as { notice?: unknown } | null)?.notice;
      if (typeof notice === 'string') toast.warning(notice);
      if (resetOnSuccess) formRef.current?.reset();
      onSuccess?.(result.data);
    } else if (hasFieldErrors(result.fieldErrors)) {
      // The fields say what is wrong; the summary ("A user with this email exists.") goes in a toast.
      toast.error(result.error);
    }
    // A form-wide failure (no field to put it beside) is shown inline by FormError instead: it
    // stays in the form it is about until the next submission, and is announced once.
  }, [result]);

  return (
    <ErrorsContext.Provider value={result && !result.ok ? result.fieldErrors : undefined}>
      {/* noValidate: the server reports every field error at once, in one style, instead of the browser stopping at the first.
          onSubmit: React resets a form after its action runs; submitting by hand keeps what was typed when validation fails.
          `action` stays for submissions before hydration. */}
      <form
        ref={formRef}
        action={formAction}
        onSubmit={(event) => {
          event.preventDefault();
          const data = new FormData(event.currentTarget);
          startTransition(() => formAction(data));
        }}
        className={className}
        aria-label={rest['aria-label']}
        aria-busy={pending}
        noValidate
      >
        <fieldset disabled={pending} className="contents">
          {children}
        </fieldset>
        {result && !result.ok && <FormError error={result.error} fieldErrors={result.fieldErrors} />}
      </form>
    </ErrorsContext.Provider>
  );
}
