import type { AppConfig } from '@/lib/model/app-config';
import { cmd } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { liveUpstreamContent } from '@/lib/plan/desired-files';
import { otherSlot, slotPort, webSlots, type Slot } from '@/lib/plan/web-slots';
import { ensureFile } from '../provision/managed-file';
import type { TaskIO } from '../task';
import type { RollbackContext } from './context';
import { ACTIVE, readSlots, stopSlot } from './web-slot-ops';

const NGINX_TEST = cmd('nginx', '-t', '-q');
const RELOAD = cmd('nginx', '-s', 'reload');
/** Old workers normally exit within milliseconds; one held by a long request (a websocket) is not waited for longer. */
const OLD_WORKERS_WAIT_MS = 10_000;
/** An old worker not even shutting down by then never got the new config (nginx refused it at reload). */
const RELOAD_TAKES_MS = 3000;
const WORKER = /^\s*(\d+)\s+nginx: worker process( is shutting down)?\s*$/;

/** nginx worker pids, and whether each is already shutting down. */
async function nginxWorkers(transport: Transport): Promise<Map<number, boolean>> {
  const out = await transport.exec(cmd('ps', '-e', '-o', 'pid=,args='));
  const found = out.stdout
    .split('\n')
    .map((line) => line.match(WORKER))
    .filter((m) => m !== null);
  return new Map(found.map((m) => [Number(m[1]), Boolean(m[2])]));
}

/**
 * Points the live-slot include at `to` (nginx -t first, put back if refused) and reloads nginx
 * gracefully. Returns once every worker that ran the old config has exited: only then can no
 * request reach the old slot any more. A reload nginx did not take is put back, and fails.
 */
export async function pointNginx(
  transport: Transport,
  app: AppConfig,
  bindAddress: string | null | undefined,
  to: Slot,
  log: (line: string) => void,
): Promise<void> {
  const path = webSlots(app.slug).livePath;
  const before = (await transport.exec(cmd('cat', path))).stdout;
  const old = await nginxWorkers(transport);
  await ensureFile(transport, path, liveUpstreamContent(app, bindAddress, to), { mode: 0o644, validate: NGINX_TEST, log });
  const putBack = async (err: unknown) => {
    await transport.upload(before, path, { mode: 0o644 });
    await transport.exec(RELOAD).catch(() => undefined);
    log(`put ${path} back`);
    return err;
  };
  try {
    await transport.exec(RELOAD);
  } catch (err) {
    throw await putBack(err);
  }
  const started = Date.now();
  for (;;) {
    const now = await nginxWorkers(transport);
    const left = [...old.keys()].filter((pid) => now.has(pid));
    const waited = Date.now() - started;
    if (left.length === 0) return log(`nginx reloaded: ${old.size} old worker(s) finished in ${waited} ms`);
    if (waited > RELOAD_TAKES_MS && left.some((pid) => !now.get(pid))) {
      throw await putBack(
        new Error(
          `nginx on ${transport.serverName} did not take the new config (its old workers kept running): traffic stays where it was; see nginx's error log.`,
        ),
      );
    }
    if (waited > OLD_WORKERS_WAIT_MS)
      return log(`${left.length} old nginx worker(s) still busy after ${waited} ms (long requests): going on`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * After `switch`, on a web server of a process app: nginx moves from the live slot to the one
 * `start-process` started on the release `current` now names, then the old slot stops
 * (supervisor gives it stopwaitsecs to finish). Already there (a rollback to what is live, a
 * retried step): only an idle slot still running is stopped.
 */
export async function moveTraffic(
  ctx: Pick<RollbackContext, 'app' | 'server'>,
  { transport, log }: Pick<TaskIO, 'transport' | 'log'>,
): Promise<string> {
  const { app } = ctx;
  const s = webSlots(app.slug);
  const { live, current, slots } = await readSlots(transport, app.slug);
  if (!live) throw new Error(`${app.slug} on ${transport.serverName} has no ${s.livePath}: configure the app first.`);
  const next = otherSlot(live);
  if (slots[live].link === current && slots[live].status === 'RUNNING') {
    if (ACTIVE.has(slots[next].status)) await stopSlot(transport, app, ctx.server.bindAddress, next, log);
    return `${s.program(live)} already serves ${current}`;
  }
  if (!current || slots[next].link !== current || slots[next].status !== 'RUNNING') {
    throw new Error(
      `The new process is not running on ${transport.serverName}: ${s.program(next)} has ${slots[next].link ?? 'no release'} (${slots[next].status}), ${current} was expected. Traffic stays on ${s.program(live)}.`,
    );
  }
  await pointNginx(transport, app, ctx.server.bindAddress, next, log);
  await stopSlot(transport, app, ctx.server.bindAddress, live, log);
  return `traffic moved to ${s.program(next)} (${current}, port ${slotPort(app, next)}); ${s.program(live)} stopped`;
}
