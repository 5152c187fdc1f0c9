'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button } from '@/components/ui/button';

const INPUT =
  'mt-1 block w-full rounded-md border-0 px-2.5 py-1.5 text-sm shadow-sm ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-600';

/**
 * Email and password; then, for a user with two-factor sign-in, the code. The password stays in
 * the form and is sent again with the code: no session (not even a half one) exists before both.
 * `next` is the page that sent the visitor here, already checked to be a path on this panel.
 */
export function LoginForm({ next = '/' }: { next?: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [askCode, setAskCode] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const form = new FormData(event.currentTarget);
    const code = askCode ? String(form.get('code') ?? '') : undefined;
    const res = await fetch('/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: form.get('email'), password: form.get('password'), code }),
    }).catch(() => null);
    setPending(false);
    if (res?.ok) {
      router.replace(next);
      router.refresh();
      return;
    }
    const body = (await res?.json().catch(() => null)) as { error?: string; twoFactor?: boolean } | null;
    if (body?.twoFactor) setAskCode(true);
    // The first ask is a step, not a mistake: the code field's label says what to do.
    setError(body?.twoFactor && !askCode ? null : (body?.error ?? 'Could not reach the panel. Try again.'));
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Sign in">
      <div className={askCode ? 'hidden' : undefined}>
        <label htmlFor="email" className="block text-sm font-medium">
          Email
        </label>
        {/* biome-ignore lint/a11y/noAutofocus: the sign-in page holds nothing but this form, so its first field is where every visitor starts */}
        <input id="email" name="email" type="email" autoComplete="username" required autoFocus className={INPUT} />
      </div>
      <div className={askCode ? 'hidden' : undefined}>
        <label htmlFor="password" className="block text-sm font-medium">
          Password
        </label>
        <input id="password" name="password" type="password" autoComplete="current-password" required className={INPUT} />
      </div>
      {askCode && (
        <div>
          <label htmlFor="code" className="block text-sm font-medium">
            Authentication code
          </label>
          {/* biome-ignore lint/a11y/noAutofocus: the code is the only thing left to type on this step */}
          <input id="code" name="code" autoComplete="one-time-code" required autoFocus spellCheck={false} className={INPUT} />
          <p className="mt-1 text-xs text-slate-500">The 6 digits from your authenticator app, or one of your recovery codes.</p>
        </div>
      )}
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      )}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? 'Signing in…' : askCode ? 'Verify' : 'Sign in'}
      </Button>
    </form>
  );
}
