'use client';

import { Button } from '@/components/ui/button';

/**
 * A page of the panel that failed to render, inside the panel's own frame (navigation stays).
 * In production a server error arrives as a generic message with a digest: the digest is the key
 * to the panel log's entry, so it is shown for the operator to search for.
 */
export default function PanelError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  return (
    <section role="alert" data-testid="page-error" className="mx-auto max-w-lg py-16 text-center">
      <title>Something went wrong · Berth</title>
      <h1 className="text-2xl font-semibold">This page could not be shown</h1>
      <p className="mt-2 text-slate-600">The error was logged. It may be passing (a database restart, a lost connection): try again.</p>
      {digest && <p className="mt-2 font-mono text-xs text-slate-500">Reference: {digest}</p>}
      <Button type="button" className="mt-6" onClick={() => retry()}>
        Try again
      </Button>
    </section>
  );
}
