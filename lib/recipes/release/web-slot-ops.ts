import { redact } from '@/lib/remote/redact';
import { appLayout } from '@/lib/plan/app-layout';
import type { AppConfig } from '@/lib/model/app-config';
import { cmd, ignoreFailure, or, script } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { webSlotsContent } from '@/lib/plan/desired-files';
import { hasWebSlots, listenAddress, otherSlot, SLOTS, slotPort, webSlots, type Slot } from '@/lib/plan/web-slots';
import { supervisorUpdate } from '../supervisor-update';

/**
 * What releases do to a process app's two slots (configure/web-slots.ts) on one server. The slots
 * are separate supervisor groups, and every change here is applied with `update <that slot>`,
 * so the slot serving traffic is never restarted as a side effect.
 */

const GONE = new Set(['FATAL', 'EXITED', 'STOPPED', 'ABSENT']);
/** States in which a slot's process runs, or is about to again. */
export const ACTIVE = new Set(['RUNNING', 'STARTING', 'BACKOFF']);

/** A slot's release link (e.g. "releases/7", null if none) and supervisor state (RUNNING, STOPPED, FATAL, …; ABSENT if unknown). */
export type SlotState = { link: string | null; status: string };

/** What a release needs to know on a server. `live` null: no live-slot include (configured before slots, or not at all). */
export type ServerSlots = { live: Slot | null; current: string | null; slots: Record<Slot, SlotState> };

const statusOf = (out: string, program: string) => out.match(new RegExp(`^${program}:\\S+\\s+([A-Z]+)`, 'm'))?.[1] ?? 'ABSENT';

/** The live slot, where `current` points, and both slots' links and states: one round trip. */
export async function readSlots(transport: Transport, slug: string): Promise<ServerSlots> {
  const s = webSlots(slug);
  const out = await transport.runScript(
    script(
      or(cmd('grep', '-m', '1', '-h', '^# live slot: ', s.livePath), cmd('echo', '-')),
      or(cmd('readlink', appLayout(slug).current), cmd('echo', '-')),
      ...SLOTS.map((slot) => or(cmd('readlink', s.link(slot)), cmd('echo', '-'))),
      ignoreFailure(cmd('supervisorctl', 'status', ...SLOTS.map((slot) => `${s.program(slot)}:*`))),
    ),
  );
  const lines = out.stdout.split('\n').map((l) => l.trim());
  const value = (i: number) => (lines[i] && lines[i] !== '-' ? lines[i]! : null);
  const state = (slot: Slot, i: number): SlotState => ({ link: value(i), status: statusOf(out.stdout, s.program(slot)) });
  return {
    live: (lines[0]?.match(/^# live slot: ([ab])$/)?.[1] as Slot | undefined) ?? null,
    current: value(1),
    slots: { a: state('a', 2), b: state('b', 3) },
  };
}

/** The slots' file, with these slots autostarting; the caller applies it to one slot (`update <program>`). */
async function writeSlots(transport: Transport, app: AppConfig, bindAddress: string | null | undefined, autostart: Slot[]): Promise<void> {
  await transport.upload(webSlotsContent(app, bindAddress, autostart), webSlots(app.slug).supervisorPath, { mode: 0o644 });
}

/**
 * Starts `slot` on `release` beside the live slot: stopped first if it runs (its link never
 * moves under a running process), the link flipped, the program applied (autostart: update
 * starts it) and started if update left it alone. Both slots autostart until traffic has
 * moved, so a reboot in between brings both back.
 */
export async function startSlot(
  transport: Transport,
  app: AppConfig,
  bindAddress: string | null | undefined,
  slot: Slot,
  release: string,
  running: boolean,
  log: (line: string) => void,
): Promise<void> {
  const s = webSlots(app.slug);
  const program = s.program(slot);
  await writeSlots(transport, app, bindAddress, [otherSlot(slot), slot]);
  const out = await transport.runScript(
    script(
      ...(running ? [ignoreFailure(cmd('supervisorctl', 'stop', `${program}:*`))] : []),
      cmd('ln', '-sfn', release, `${s.link(slot)}.tmp`),
      cmd('mv', '-T', `${s.link(slot)}.tmp`, s.link(slot)),
      supervisorUpdate(program),
      ignoreFailure(cmd('supervisorctl', 'start', `${program}:*`)),
    ),
    { timeoutMs: 2 * 60_000 },
  );
  for (const line of out.stdout.split('\n').filter(Boolean)) log(line);
}

/**
 * Stops `slot`, leaving only the other one to autostart: `update` applies that change by
 * stopping the program (supervisor gives it stopwaitsecs to finish its requests) and adding it
 * back stopped. A slot still running after that (its section was already so) is stopped by name.
 */
export async function stopSlot(
  transport: Transport,
  app: AppConfig,
  bindAddress: string | null | undefined,
  slot: Slot,
  log: (line: string) => void,
): Promise<void> {
  const program = webSlots(app.slug).program(slot);
  const status = ignoreFailure(cmd('supervisorctl', 'status', `${program}:*`));
  await writeSlots(transport, app, bindAddress, [otherSlot(slot)]);
  let out = await transport.runScript(script(supervisorUpdate(program), status), { timeoutMs: 2 * 60_000 });
  if (ACTIVE.has(statusOf(out.stdout, program)))
    out = await transport.runScript(script(ignoreFailure(cmd('supervisorctl', 'stop', `${program}:*`)), status), { timeoutMs: 2 * 60_000 });
  for (const line of out.stdout.split('\n').filter((l) => l && !l.startsWith(`${program}:${program}_`))) log(line);
  const now = statusOf(out.stdout, program);
  if (ACTIVE.has(now)) throw new Error(`${program} on ${transport.serverName} is still ${now} after being stopped.`);
  log(`${program}: ${now}`);
}

/**
 * Waits until `slot` answers the app's health path on its own port, from the server itself
 * (curl, which provisioning installs), and is RUNNING under supervisor, within `timeoutS`.
 * RUNNING matters: a process that failed to bind its port dies within startsecs, whatever else
 * answers there. Supervisor is asked (a Python start each time) when the answer is right, and
 * about once a second otherwise, to give up at once on a process that died.
 */
export async function waitHealthy(
  transport: Transport,
  app: AppConfig,
  bindAddress: string | null | undefined,
  slot: Slot,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<string> {
  const program = webSlots(app.slug).program(slot);
  const { path, expectStatus, timeoutS } = app.healthCheck;
  const url = `http://${listenAddress(bindAddress)}:${slotPort(app, slot)}${path}`;
  const curl = ignoreFailure(
    cmd('curl', '-s', '-o', '/dev/null', '-w', '%{http_code}\\n', '--max-time', '2', '-H', `Host: ${app.domains[0]}`, url),
  );
  const status = ignoreFailure(cmd('supervisorctl', 'status', `${program}:*`));
  const deadline = Date.now() + timeoutS * 1000;
  let [answer, state, seen] = ['', '', ''];
  for (let poll = 0; ; poll++) {
    const code = Number((await transport.exec(curl, { signal, timeoutMs: 15_000 })).stdout.trim());
    answer = code ? `status ${code}` : 'no answer';
    if (code === expectStatus || poll % 4 === 0)
      state = statusOf((await transport.exec(status, { signal, timeoutMs: 15_000 })).stdout, program);
    if (code === expectStatus && state === 'RUNNING') return `${url} answered ${code}`;
    if (`${answer} ${state}` !== seen) log(`${program}: ${answer}, ${state}`);
    seen = `${answer} ${state}`;
    if (GONE.has(state) || Date.now() >= deadline || signal.aborted) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = await transport.exec(cmd('tail', '-n', '15', webSlots(app.slug).logPath(slot)), { okExitCodes: [0, 1] }).catch(() => null);
  const why = GONE.has(state) ? `the process is ${state}` : `${answer} within ${timeoutS} s (${state}), expected ${expectStatus}`;
  // The app's own output may print secrets: it goes through the redactor before it is stored.
  const log15 = tail?.stdout.trim() ? `\nIts log ends:\n${redact(tail.stdout.trimEnd())}` : '';
  throw new Error(
    `The new process did not become healthy on ${transport.serverName}: ${url} (${program}): ${why}. Traffic stays on the old process.${log15}`,
  );
}

/**
 * After a release stopped before traffic moved (a new process failed to start on another
 * server, or the run was cancelled): stops an idle slot left running, which serves no one.
 */
export async function stopIdleSlot(
  transport: Transport,
  app: AppConfig,
  roles: ('web' | 'worker')[],
  bindAddress: string | null | undefined,
): Promise<boolean> {
  if (!hasWebSlots(app, roles)) return false;
  const { live, slots } = await readSlots(transport, app.slug);
  if (!live || !ACTIVE.has(slots[otherSlot(live)].status)) return false;
  await stopSlot(transport, app, bindAddress, otherSlot(live), () => {});
  return true;
}

/** For every server of a release that stopped before traffic moved; best effort: the release's own error is what counts, and the next release or configure stops what is left. */
export async function stopIdleSlots(
  app: AppConfig,
  placed: { transport: Transport; roles: ('web' | 'worker')[]; server: { bindAddress: string | null } }[],
): Promise<void> {
  await Promise.all(placed.map((p) => stopIdleSlot(p.transport, app, p.roles, p.server.bindAddress).catch(() => false)));
}
