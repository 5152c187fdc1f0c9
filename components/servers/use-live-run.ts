'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { type Connection, useEventStream } from '@/components/releases/use-live-release';
import type { LiveRun } from '@/lib/releases/live-state';
import { applyRunEvent, isRunFinished, RUN_EVENT_TYPES } from '@/lib/runs/live-run-state';

/**
 * A provision or configure run as the server rendered it, kept current by /api/runs/<id>/events
 * (the release stream's hook). When the run finishes while followed, the page is refreshed once,
 * so what depends on it (the server's status, the buttons a running run disables) catches up.
 */
export function useLiveRun(initial: LiveRun): { run: LiveRun; connection: Connection } {
  const { state, connection } = useEventStream(
    `/api/runs/${initial.id}/events`,
    initial,
    applyRunEvent,
    RUN_EVENT_TYPES,
    isRunFinished(initial.status),
  );
  const router = useRouter();
  const followed = useRef(connection !== 'done');
  useEffect(() => {
    if (connection !== 'done' || !followed.current) return;
    followed.current = false;
    router.refresh();
  }, [connection, router]);
  return { run: state, connection };
}
