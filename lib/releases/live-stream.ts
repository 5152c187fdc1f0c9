import type { Db } from '@/db';
import { diffLive, doneTaskIds, settledLogs } from './live-diff';
import { loadLiveState } from './live-load';
import { type EndReason, isFinished, type LiveEvent, type LiveState } from './live-state';

/** How a live stream follows something (a release, a lone run): polling, heartbeats, limits, the session re-check. */
export type LivePollOptions = {
  /** The client went away (request.signal) or the stream was cancelled: stop polling. */
  signal: AbortSignal;
  pollMs?: number;
  heartbeatMs?: number;
  /** Nothing streams forever: a release still running after this long ends the stream (the page says to reload). */
  maxMs?: number;
  /** Re-checked every `recheckMs`: a session ended meanwhile (account disabled, password changed) ends the stream too. */
  stillAllowed?: () => Promise<boolean>;
  recheckMs?: number;
};

export type LiveStreamOptions = LivePollOptions & { db: Db; releaseId: string };

export type Heartbeat = { type: 'heartbeat' };
export type LiveItem = LiveEvent | Heartbeat;

/**
 * What is followed, as reads and events. `load` gets the logs of tasks finished two reads ago
 * (settledLogs), which it need not read again; undefined means the thing is gone.
 */
export type LiveSource<S extends Pick<LiveState, 'runs'>, E> = {
  load(knownLogs: Map<string, string>): Promise<S | undefined>;
  snapshot(state: S): E;
  diff(before: S, after: S): E[];
  finished(state: S): boolean;
  end(state: S, reason: EndReason): E;
};

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      resolve(ok);
    };
    const stop = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', stop, { once: true });
  });
}

/**
 * A release as events: a snapshot, then only what changed, read every `pollMs` (two queries a
 * tick: the release row, then its runs and tasks together). Ends with `end` once the release
 * is finished and its last changes are out.
 */
export function liveReleaseEvents(o: LiveStreamOptions): AsyncGenerator<LiveItem> {
  const { db, releaseId } = o;
  return livePoll<LiveState, LiveEvent>(
    {
      load: (known) => loadLiveState(db, releaseId, known),
      snapshot: (state) => ({ type: 'snapshot', state }),
      diff: diffLive,
      finished: (state) => isFinished(state.release.status),
      end: (state, reason) => ({ type: 'end', status: state.release.status, reason }),
    },
    o,
  );
}

/**
 * Anything with runs and tasks as events: a snapshot, then only what changed, read every
 * `pollMs`, then `end`. A heartbeat goes out after `heartbeatMs` without events, so proxies
 * keep the connection open.
 */
export async function* livePoll<S extends Pick<LiveState, 'runs'>, E>(
  source: LiveSource<S, E>,
  o: LivePollOptions,
): AsyncGenerator<E | Heartbeat> {
  const { signal, pollMs = 250, heartbeatMs = 15_000, maxMs = 2 * 60 * 60_000, recheckMs = 30_000 } = o;
  const started = Date.now();
  let state = await source.load(new Map());
  if (!state || signal.aborted) return;
  yield source.snapshot(state);
  let doneBefore = new Set<string>();
  let lastSent = Date.now();
  let lastCheck = Date.now();
  while (true) {
    if (source.finished(state)) return yield source.end(state, 'finished');
    if (Date.now() - started >= maxMs) return yield source.end(state, 'timeout');
    if (!(await sleep(pollMs, signal))) return;
    if (o.stillAllowed && Date.now() - lastCheck >= recheckMs) {
      lastCheck = Date.now();
      if (!(await o.stillAllowed())) return yield source.end(state, 'signed-out');
    }
    const known = settledLogs(state, doneBefore);
    doneBefore = doneTaskIds(state);
    const next = await source.load(known);
    if (signal.aborted) return;
    // Deleted meanwhile (its app was removed): nothing more will come.
    if (!next) return yield source.end(state, 'gone');
    const events = source.diff(state, next);
    state = next;
    for (const event of events) yield event;
    if (events.length) lastSent = Date.now();
    else if (Date.now() - lastSent >= heartbeatMs) {
      lastSent = Date.now();
      yield { type: 'heartbeat' };
    }
  }
}

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // no-transform: Next's gzip (and proxies) would otherwise buffer the events instead of passing each one on.
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
};

/** One item in the text/event-stream format; JSON never contains a raw newline, so one data line is enough. */
export function formatSse(item: { type: string }): string {
  if (item.type === 'heartbeat') return ': keepalive\n\n';
  return `event: ${item.type}\ndata: ${JSON.stringify(item)}\n\n`;
}

/**
 * The response body. Pull-driven: the next poll happens only once the client has taken the
 * previous chunk, so a slow reader never piles up a queue. Cancelling the body (the client
 * left) aborts the poll loop even when request.signal does not fire.
 */
export function liveReleaseStream(o: LiveStreamOptions): ReadableStream<Uint8Array> {
  return sseStream(`release ${o.releaseId}`, o.signal, (signal) => liveReleaseEvents({ ...o, signal }));
}

/** The body of any live stream (a release's, a run's): `open` gets a signal that also fires when the client cancels. */
export function sseStream(
  label: string,
  signal: AbortSignal,
  open: (signal: AbortSignal) => AsyncGenerator<{ type: string }>,
): ReadableStream<Uint8Array> {
  const cancelled = new AbortController();
  const items = open(AbortSignal.any([signal, cancelled.signal]));
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      // A dropped connection is retried by EventSource after this many ms (it then gets a fresh snapshot).
      controller.enqueue(encoder.encode('retry: 3000\n\n'));
    },
    async pull(controller) {
      let chunk: string | null = null;
      try {
        const { value, done } = await items.next();
        if (!done) chunk = formatSse(value);
      } catch (err) {
        // A failed read ends this stream; the client reconnects and starts over from a snapshot.
        console.warn(`[live-events] ${label}: ${err instanceof Error ? err.message : String(err)}`);
      }
      try {
        if (chunk === null) controller.close();
        else controller.enqueue(encoder.encode(chunk));
      } catch {
        // The client cancelled while this poll was running: nothing to deliver to.
      }
    },
    cancel() {
      cancelled.abort();
    },
  });
}
