'use client';

import { useEffect, useReducer, useState } from 'react';
import { applyLive, isFinished, LIVE_EVENT_TYPES, type LiveEvent, type LiveState } from '@/lib/releases/live-state';

/** live: events flowing · reconnecting: EventSource retries by itself · stopped: shows the last known state · done: finished. */
export type Connection = 'live' | 'reconnecting' | 'stopped' | 'timeout' | 'done';

/**
 * The release as the server rendered it, then kept current by /api/releases/<id>/events. If the
 * stream cannot be opened (or EventSource is missing), the page keeps what it has.
 */
export function useLiveRelease(initial: LiveState): { state: LiveState; connection: Connection } {
  const [state, dispatch] = useReducer(applyLive, initial);
  // Fixed at first render: a router.refresh() of the page (another section refreshing itself) must not close the stream.
  const [finishedAtLoad] = useState(() => isFinished(initial.release.status));
  const [connection, setConnection] = useState<Connection>(finishedAtLoad ? 'done' : 'live');
  const id = initial.release.id;

  useEffect(() => {
    // A finished release changes no more: nothing to follow.
    if (finishedAtLoad) return;
    if (typeof EventSource === 'undefined') return setConnection('stopped');
    const source = new EventSource(`/api/releases/${id}/events`);
    const onEvent = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as LiveEvent;
      dispatch(event);
      if (event.type !== 'end') return setConnection('live');
      // Closed here, or EventSource would reconnect as soon as the server ends the response.
      source.close();
      setConnection(event.reason === 'finished' ? 'done' : event.reason === 'timeout' ? 'timeout' : 'stopped');
    };
    for (const type of LIVE_EVENT_TYPES) source.addEventListener(type, onEvent);
    // CONNECTING: a dropped connection being retried. CLOSED: refused (signed out, gone): keep what we have.
    source.onerror = () => setConnection(source.readyState === EventSource.CLOSED ? 'stopped' : 'reconnecting');
    return () => source.close();
  }, [id, finishedAtLoad]);

  return { state, connection };
}

/** Date.now(), ticking every second while `active`, so running durations count up. */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}
