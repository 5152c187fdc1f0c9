'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { adoptBrowserTimeZone } from '@/app/(panel)/settings/time-zone-actions';

/**
 * For a user with no zone yet: sends the browser's zone once, then re-renders the page in it.
 * Until then the server renders in UTC, and the browser hydrates in UTC too (the zone comes
 * from the layout, never from the browser), so the first page has no hydration mismatch.
 */
export function BrowserTimeZone() {
  const router = useRouter();
  useEffect(() => {
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!timeZone) return;
    let live = true;
    void adoptBrowserTimeZone(null, { timeZone }).then((r) => {
      if (live && r.ok && r.data.stored) router.refresh();
    });
    return () => {
      live = false;
    };
  }, [router]);
  return null;
}
