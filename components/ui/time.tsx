'use client';

import { createContext, type ReactNode, useContext, useSyncExternalStore } from 'react';
import { formatDate, formatDateTime, formatFull, formatRelative, formatTime, type TimeValue, toDate } from '@/lib/time/format';
import { FALLBACK_TIME_ZONE } from '@/lib/time/zones';

// The reader's zone, set once by the panel layout from the user's row: the server render and
// the browser's hydration then format in the same zone and produce the same text.
const ZoneContext = createContext<string>(FALLBACK_TIME_ZONE);

export function TimeZoneProvider({ zone, children }: { zone: string; children: ReactNode }) {
  return <ZoneContext value={zone}>{children}</ZoneContext>;
}

export function useTimeZone(): string {
  return useContext(ZoneContext);
}

// One shared clock for every relative time on the page, ticking while any is mounted.
let now = Date.now();
const listeners = new Set<() => void>();
let ticker: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!ticker) {
    const tick = () => {
      now = Date.now();
      for (const l of listeners) l();
    };
    ticker = setInterval(tick, 30_000);
    queueMicrotask(tick); // the module may have loaded long before this first subscriber
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
  };
}

/** The clock after hydration; null on the server and while hydrating, whose clocks differ. */
function useNow(enabled: boolean): number | null {
  return useSyncExternalStore(
    enabled ? subscribe : noSubscribe,
    () => (enabled ? now : null),
    () => null,
  );
}
const noSubscribe = () => () => {};

export type TimeFormat = 'datetime' | 'date' | 'time' | 'relative';

/**
 * A time for people: `<time dateTime>` in the reader's zone with the full time, offset and zone on
 * hover. "relative" ("3 minutes ago") shows the absolute time until hydrated, then the relative one.
 */
export function Time({
  value,
  format = 'datetime',
  seconds = false,
  fallback = '—',
  className,
  testId,
}: {
  value: TimeValue | null | undefined;
  format?: TimeFormat;
  seconds?: boolean;
  fallback?: ReactNode;
  className?: string;
  testId?: string;
}) {
  const zone = useTimeZone();
  const clock = useNow(format === 'relative');
  if (value === null || value === undefined) return <>{fallback}</>;
  const d = toDate(value);
  if (Number.isNaN(d.getTime())) return <>{fallback}</>;
  const text =
    format === 'relative' && clock !== null
      ? formatRelative(d, clock)
      : format === 'date'
        ? formatDate(d, zone)
        : format === 'time'
          ? formatTime(d, zone, { seconds })
          : formatDateTime(d, zone, { seconds });
  return (
    <time dateTime={d.toISOString()} title={formatFull(d, zone)} className={className} data-testid={testId}>
      {text}
    </time>
  );
}
