import { hasWebSlots, otherSlot, slotPort, webSlots } from '@/lib/plan/web-slots';
import { changed, unchanged, type Task, type TaskIO, type TaskOutcome } from '../task';
import type { ReleaseContext, RollbackContext } from './context';
import { ACTIVE, readSlots, startSlot, stopSlot, waitHealthy } from './web-slot-ops';

/**
 * Before `switch`, on a web server of a process app: the release's code starts in the idle slot
 * beside the live one, and must answer its health path on its own port before anything moves.
 * Being a step of its own, it completes on every server before `switch` starts anywhere, so a
 * process that never becomes healthy fails the release with `current` and traffic untouched;
 * this server's new slot is stopped again (the job stops it on the others). `restart-workers`
 * then moves nginx over (move-traffic.ts).
 */
async function startProcess(ctx: Pick<RollbackContext, 'app' | 'roles' | 'server'>, number: number, io: TaskIO): Promise<TaskOutcome> {
  const { app } = ctx;
  if (!hasWebSlots(app, ctx.roles))
    return unchanged(app.kind === 'process' ? 'no web process on this server' : `nothing to start for a ${app.kind} app`);
  const { transport, log, signal } = io;
  const s = webSlots(app.slug);
  const { live, slots } = await readSlots(transport, app.slug);
  if (!live)
    throw new Error(
      `${app.slug} on ${transport.serverName} has no ${s.livePath} (configured before zero-downtime releases): configure the app first.`,
    );
  const next = otherSlot(live);
  const release = `releases/${number}`;
  if (slots[live].link === release && slots[live].status === 'RUNNING') {
    // Rolling back to what is live (an automatic rollback before traffic moved): nothing to start.
    if (ACTIVE.has(slots[next].status)) await stopSlot(transport, app, ctx.server.bindAddress, next, log);
    return unchanged(`${s.program(live)} already serves ${release}`);
  }
  // A slot that already runs this release (a rollback after traffic failed to move) is reused, not restarted.
  const reuse = slots[next].link === release && slots[next].status === 'RUNNING';
  if (!reuse) await startSlot(transport, app, ctx.server.bindAddress, next, release, ACTIVE.has(slots[next].status), log);
  try {
    const answered = await waitHealthy(transport, app, ctx.server.bindAddress, next, signal, log);
    // The same line as the PHP gate (gate.ts): the new code answered before any traffic moved.
    log(
      `gate: ${app.domains[0]}${app.healthCheck.path} on ${release} through ${s.program(next)} (port ${slotPort(app, next)}): ${answered}`,
    );
    return changed(
      `${s.program(next)} ${reuse ? 'still runs' : 'started on'} ${release}, port ${slotPort(app, next)}: ${answered}; traffic still on ${s.program(live)}`,
    );
  } catch (err) {
    await stopSlot(transport, app, ctx.server.bindAddress, next, log).catch((e: Error) =>
      log(`stopping ${s.program(next)} failed too: ${e.message}`),
    );
    throw err;
  }
}

export const startNewProcess: Task<ReleaseContext> = { name: 'start-process', run: (ctx, io) => startProcess(ctx, ctx.number, io) };
export const startTargetProcess: Task<RollbackContext> = { name: 'start-process', run: (ctx, io) => startProcess(ctx, ctx.target, io) };
