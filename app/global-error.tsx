'use client';

import './globals.css';

/**
 * The last resort: the root layout itself failed, so this page brings its own <html> and <body>
 * (and the global styles, which the root layout would otherwise have loaded).
 */
export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  return (
    <html lang="en">
      <body className="min-h-screen">
        <title>Something went wrong · Berth</title>
        <main role="alert" className="mx-auto max-w-lg px-4 py-24 text-center">
          <h1 className="text-2xl font-semibold">Berth could not show this page</h1>
          <p className="mt-2 text-slate-600">The error was logged. Try again in a moment.</p>
          {digest && <p className="mt-2 font-mono text-xs text-slate-500">Reference: {digest}</p>}
          <button
            type="button"
            onClick={() => retry()}
            className="mt-6 rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500"
          >
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
