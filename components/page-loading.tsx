/**
 * What a page shows while its data is read: the frame of a header and two cards, so the layout
 * does not jump when the content arrives. Used by loading.tsx files, only on pages that never
 * answer 404/403 themselves: a streamed fallback fixes the status at 200 before the page runs.
 */
export function PageLoading({ label }: { label: string }) {
  return (
    <div role="status" aria-live="polite" data-testid="page-loading" className="animate-pulse">
      <span className="sr-only">Loading {label}…</span>
      <div className="h-7 w-48 rounded bg-slate-200" />
      <div className="mt-2 h-4 w-96 max-w-full rounded bg-slate-100" />
      <div className="mt-8 space-y-6">
        <div className="h-40 rounded-lg bg-white ring-1 ring-slate-200" />
        <div className="h-64 rounded-lg bg-white ring-1 ring-slate-200" />
      </div>
    </div>
  );
}
