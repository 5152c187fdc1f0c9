'use client';

import { useEffect, useReducer, useState } from 'react';
import { applyLive, isFinished, LIVE_EVENT_TYPES, type LiveState } from '@/lib/releases/live-state';

/** live: events flowing · reconnecting: EventSource retries by itself · stopped: shows the last known state · done: finished. */
export type Connection = 'live' | 'reconnecting' | 'stopped' | 'timeout' | 'done';

/**
 * The release as the server rendered it, then kept current by /api/releases/<id>/events. If the
 * stream cannot be opened (or EventSource is missing), the page keeps what it has.
 */
export function useLiveRelease(initial: LiveState): { state: LiveState; connection: Connection } {
  return useEventStream(
    `/api/releases/${initial.release.id}/events`,
    initial,
    applyLive,
    LIVE_EVENT_TYPES,
    isFinished(initial.release.status),
  );
}

/**
 * Any live stream (a release's, a run's): `initial` as the server rendered it, kept current by
 * the events of `url` through `reducer` until an `end` event. `finished` is read at first render only.
 */
export function useEventStream<S, E extends { type: string; reason?: string }>(
  url: string,
  initial: S,
  reducer: (state: S, event: E) => S,
  types: readonly E['type'][],
  finished: boolean,
): { state: S; connection: Connection } {
  const [state, dispatch] = useReducer(reducer, initial);
  // Fixed at first render: a router.refresh() of the page (another section refreshing itself) must not close the stream.
  const [finishedAtLoad] = useState(finished);
  const [connection, setConnection] = useState<Connection>(finishedAtLoad ? 'done' : 'live');

  // biome-ignore lint/correctness/useExhaustiveDependencies: `types` is a constant list; a new array from a re-render must not reopen the stream
  useEffect(() => {
    // A finished release or run changes no more: nothing to follow.
    if (finishedAtLoad) return;
    if (typeof EventSource === 'undefined') return setConnection('stopped');
    const source = new EventSource(url);
    const onEvent = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as E;
      dispatch(event);
      if (event.type !== 'end') return setConnection('live');
      // Closed here, or EventSource would reconnect as soon as the server ends the response.
      source.close();
      setConnection(event.reason === 'finished' ? 'done' : event.reason === 'timeout' ? 'timeout' : 'stopped');
    };
    for (const type of types) source.addEventListener(type, onEvent);
    // CONNECTING: a dropped connection being retried. CLOSED: refused (signed out, gone): keep what we have.
    source.onerror = () => setConnection(source.readyState === EventSource.CLOSED ? 'stopped' : 'reconnecting');
    return () => source.close();
  }, [url, finishedAtLoad]);

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
