import type { Db } from '@/db';
import { watchedRunAndTasks } from '@/db/queries/release-watch';
import { diffRuns } from '@/lib/releases/live-diff';
import { groupRuns } from '@/lib/releases/live-load';
import type { LiveRun } from '@/lib/releases/live-state';
import { type Heartbeat, type LivePollOptions, livePoll, sseStream } from '@/lib/releases/live-stream';
import { isRunFinished, type LiveRunState, type RunEvent } from './live-run-state';

export type LiveRunOptions = LivePollOptions & { db: Db; runId: string };

/** One read of a run with its server's name and its tasks (one query); undefined once it is gone. */
export async function loadLiveRun(db: Db, runId: string, knownLogs: Map<string, string> = new Map()): Promise<LiveRun | undefined> {
  const [run] = groupRuns(await watchedRunAndTasks(db, runId, [...knownLogs.keys()]), knownLogs);
  return run;
}

/** A provision or configure run as events, by the release stream's loop: snapshot, changes, end. */
export function liveRunEvents(o: LiveRunOptions): AsyncGenerator<RunEvent | Heartbeat> {
  const { db, runId } = o;
  return livePoll<LiveRunState, RunEvent>(
    {
      load: async (known) => {
        const run = await loadLiveRun(db, runId, known);
        return run && { runs: [run] };
      },
      snapshot: ({ runs: [run] }) => ({ type: 'snapshot', run }),
      diff: (before, after) => diffRuns(before.runs, after.runs),
      finished: ({ runs: [run] }) => isRunFinished(run.status),
      end: ({ runs: [run] }, reason) => ({ type: 'end', status: run.status, reason }),
    },
    o,
  );
}

export function liveRunStream(o: LiveRunOptions): ReadableStream<Uint8Array> {
  return sseStream(`run ${o.runId}`, o.signal, (signal) => liveRunEvents({ ...o, signal }));
}
