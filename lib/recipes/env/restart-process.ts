import { otherSlot, slotPort, webSlots } from '@/lib/plan/web-slots';
import type { RollbackContext } from '../release/context';
import { pointNginx } from '../release/move-traffic';
import { ACTIVE, readSlots, startSlot, stopSlot, waitHealthy } from '../release/web-slot-ops';
import type { TaskIO } from '../task';

/**
 * A process app reads .env when it starts. To have it read a pushed one without a gap, the
 * same dance as a release, on the release that is current: the idle slot starts beside the live
 * one, must answer its health path, then nginx moves over and the old slot stops (supervisor
 * gives it stopwaitsecs). A new process that never becomes healthy is stopped again and the
 * push fails, with traffic still on the old one (which still has the old environment loaded).
 */
export async function restartLiveProcess(
  ctx: Pick<RollbackContext, 'app' | 'server'>,
  { transport, log, signal }: TaskIO,
): Promise<string> {
  const { app } = ctx;
  const bind = ctx.server.bindAddress;
  const s = webSlots(app.slug);
  const { live, current, slots } = await readSlots(transport, app.slug);
  if (!live)
    throw new Error(
      `${app.slug} on ${transport.serverName} has no ${s.livePath} (configured before zero-downtime releases): configure the app first.`,
    );
  if (!current) throw new Error(`${app.slug} on ${transport.serverName} has no current release.`);
  const next = otherSlot(live);
  await startSlot(transport, app, bind, next, current, ACTIVE.has(slots[next].status), log);
  let answered: string;
  try {
    answered = await waitHealthy(transport, app, bind, next, signal, log);
    await pointNginx(transport, app, bind, next, log);
  } catch (err) {
    await stopSlot(transport, app, bind, next, log).catch((e: Error) => log(`stopping ${s.program(next)} failed too: ${e.message}`));
    throw err;
  }
  await stopSlot(transport, app, bind, live, log);
  return `restarted the app process: ${s.program(next)} on ${current}, port ${slotPort(app, next)} (${answered}); ${s.program(live)} stopped`;
}
