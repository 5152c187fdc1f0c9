import type { AppConfig } from '@/lib/apps/config';
import { cmd, ignoreFailure, or, script } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { webSlotsContent } from '../configure/desired-files';
import { hasWebSlots, listenAddress, otherSlot, readLiveSlot, SLOTS, slotPort, webSlots, type Slot } from '../configure/web-slots';

/**
 * What releases do to a process app's two slots (configure/web-slots.ts) on one server. The slots
 * are separate supervisor groups, and every change here is applied with `update <that slot>`,
 * so the slot serving traffic is never restarted as a side effect.
 */

/** A slot's release link (e.g. "releases/7", null if none) and supervisor state (RUNNING, STOPPED, FATAL, …; ABSENT if unknown). */
export type SlotState = { link: string | null; status: string };

export async function slotStates(transport: Transport, slug: string): Promise<Record<Slot, SlotState>> {
  const s = webSlots(slug);
  const out = await transport.runScript(
    script(
      ...SLOTS.map((slot) => or(cmd('readlink', s.link(slot)), cmd('echo', '-'))),
      ignoreFailure(cmd('supervisorctl', 'status', ...SLOTS.map((slot) => `${s.program(slot)}:*`))),
    ),
  );
  const lines = out.stdout.split('\n');
  const state = (slot: Slot, i: number): SlotState => {
    const status = lines.map((l) => l.match(new RegExp(`^${s.program(slot)}:\\S+\\s+([A-Z]+)`))?.[1]).find(Boolean) ?? 'ABSENT';
    return { link: lines[i] && lines[i] !== '-' ? lines[i]!.trim() : null, status };
  };
  return { a: state('a', 0), b: state('b', 1) };
}

/** The slots' file with `autostart` slots, applied to `slot` alone. */
async function writeSlots(transport: Transport, app: AppConfig, bindAddress: string | null | undefined, autostart: Slot[]): Promise<void> {
  await transport.upload(webSlotsContent(app, bindAddress, autostart), webSlots(app.slug).supervisorPath, { mode: 0o644 });
}

/**
 * Starts `slot` on `release` beside the live slot: stopped first (its link never moves under a
 * running process), the link flipped, the program applied and started. Both slots autostart
 * until traffic has moved, so a reboot in between brings both back.
 */
export async function startSlot(transport: Transport, app: AppConfig, bindAddress: string | null | undefined, slot: Slot, release: string, log: (line: string) => void): Promise<void> {
  const s = webSlots(app.slug);
  const program = s.program(slot);
  await writeSlots(transport, app, bindAddress, [otherSlot(slot), slot]);
  const out = await transport.runScript(
    script(
      ignoreFailure(cmd('supervisorctl', 'stop', `${program}:*`)),
      cmd('ln', '-sfn', release, `${s.link(slot)}.tmp`),
      cmd('mv', '-T', `${s.link(slot)}.tmp`, s.link(slot)),
      cmd('supervisorctl', 'update', program),
      // A program `update` already started answers "already started" here; one it left alone starts now.
      ignoreFailure(cmd('supervisorctl', 'start', `${program}:*`)),
    ),
    { timeoutMs: 2 * 60_000 },
  );
  for (const line of out.stdout.split('\n').filter(Boolean)) log(line);
}

/** Stops `slot` (supervisor waits its stopwaitsecs for requests in flight); only the other slot autostarts then. */
export async function stopSlot(transport: Transport, app: AppConfig, bindAddress: string | null | undefined, slot: Slot, log: (line: string) => void): Promise<void> {
  const program = webSlots(app.slug).program(slot);
  await writeSlots(transport, app, bindAddress, [otherSlot(slot)]);
  const out = await transport.runScript(script(ignoreFailure(cmd('supervisorctl', 'stop', `${program}:*`)), cmd('supervisorctl', 'update', program)), { timeoutMs: 2 * 60_000 });
  for (const line of out.stdout.split('\n').filter(Boolean)) log(line);
}

const GONE = new Set(['FATAL', 'EXITED', 'STOPPED', 'ABSENT']);

/**
 * Waits until `slot` is RUNNING under supervisor and answers the app's health path on its own
 * port, from the server itself (curl, as provisioning installs it), until `timeoutS`. RUNNING
 * matters: a process that failed to bind its port dies within startsecs, whatever answers there.
 */
export async function waitHealthy(transport: Transport, app: AppConfig, bindAddress: string | null | undefined, slot: Slot, signal: AbortSignal, log: (line: string) => void): Promise<string> {
  const s = webSlots(app.slug);
  const { path, expectStatus, timeoutS } = app.healthCheck;
  const url = `http://${listenAddress(bindAddress)}:${slotPort(app, slot)}${path}`;
  const probe = script(
    ignoreFailure(cmd('curl', '-s', '-o', '/dev/null', '-w', '%{http_code}\\n', '--max-time', '2', '-H', `Host: ${app.domains[0]}`, url)),
    ignoreFailure(cmd('supervisorctl', 'status', `${s.program(slot)}:*`)),
  );
  const deadline = Date.now() + timeoutS * 1000;
  let answer = '';
  let status = '';
  for (let seen = ''; ; ) {
    const out = (await transport.runScript(probe, { signal, timeoutMs: 15_000 })).stdout;
    const code = Number(out.split('\n')[0]);
    status = out.match(new RegExp(`^${s.program(slot)}:\\S+\\s+([A-Z]+)`, 'm'))?.[1] ?? 'ABSENT';
    if (code === expectStatus && status === 'RUNNING') return `${url} answered ${code}`;
    answer = code ? `status ${code}` : 'no answer';
    if (`${answer} ${status}` !== seen) log(`${s.program(slot)}: ${answer}, ${status}`);
    seen = `${answer} ${status}`;
    if (GONE.has(status) || Date.now() >= deadline || signal.aborted) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = await transport.exec(cmd('tail', '-n', '15', s.logPath(slot)), { okExitCodes: [0, 1] }).catch(() => null);
  const why = GONE.has(status) ? `the process is ${status}` : `${answer} within ${timeoutS} s (${status}), expected ${expectStatus}`;
  throw new Error(`The new process did not become healthy on ${transport.serverName}: ${url} (${s.program(slot)}): ${why}. Traffic stays on the old process.${tail?.stdout.trim() ? `\nIts log ends:\n${tail.stdout.trimEnd()}` : ''}`);
}

/**
 * After a release stopped before traffic moved (a new process failed to start on another
 * server, or the run was cancelled): stops an idle slot left running, which serves no one.
 */
export async function stopIdleSlot(transport: Transport, app: AppConfig, roles: ('web' | 'worker')[], bindAddress: string | null | undefined): Promise<boolean> {
  if (!hasWebSlots(app, roles)) return false;
  const idle = otherSlot(await readLiveSlot(transport, app.slug));
  if (!['RUNNING', 'STARTING', 'BACKOFF'].includes((await slotStates(transport, app.slug))[idle].status)) return false;
  await stopSlot(transport, app, bindAddress, idle, () => {});
  return true;
}
