'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { adoptBrowserTimeZone } from '@/app/(panel)/settings/time-zone-actions';

const SENT = 'berth.timeZoneSent';

/**
 * For a user with no zone yet: sends the browser's zone once, then re-renders the page in it.
 * Until then the server renders in UTC, and the browser hydrates in UTC too (the zone comes
 * from the layout, never from the browser), so the first page has no hydration mismatch.
 */
export function BrowserTimeZone() {
  const router = useRouter();
  useEffect(() => {
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // Once per browser session: a zone this server's tz database does not know is refused, and
    // must not be re-sent (and audited) on every page load.
    if (!timeZone || sessionStorage.getItem(SENT) === timeZone) return;
    sessionStorage.setItem(SENT, timeZone);
    void adoptBrowserTimeZone(null, { timeZone }).then((r) => {
      if (r.ok && r.data.stored) router.refresh();
    });
  }, [router]);
  return null;
}
