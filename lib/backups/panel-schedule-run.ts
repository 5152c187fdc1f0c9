/**
 * The panel's scheduled (or "now") backup job, in the panel's worker: runs runPanelBackup and
 * records each outcome durably in settings rows (no schema change): `panel-backup-last` (the
 * newest outcome, carrying the newest success's time for the metric), `panel-backup-history`
 * (the last ten), and `panel-backup-running` while one is in progress, with the stages reached
 * so the page shows dumped → uploaded → verified as they happen. A success pings the panel's
 * dead man's monitor; a failure (or an interruption) sends backup.failed.
 */
import type { Db } from '@/db';
import { getSetting, putSetting, takeSetting } from '@/db/queries/settings';
import type { KeyRing } from '@/lib/crypto';
import { notify } from '@/lib/notify/emit';
import { panelUrl } from '@/lib/notify/links';
import { PANEL_DEAD_MAN_KEY, pingDeadMan } from './dead-man';
import { type PanelBackupResult, type PanelStage, runPanelBackup } from './panel-backup';
import { type PanelBackupPolicy, readPanelPolicy } from './panel-schedule';

const LAST_KEY = 'panel-backup-last';
const HISTORY_KEY = 'panel-backup-history';
const RUNNING_KEY = 'panel-backup-running';
const HISTORY_SIZE = 10;

export const PANEL_STAGES: readonly PanelStage[] = ['dumped', 'uploaded', 'verified'];

/** ISO times each stage was reached. */
export type PanelStages = Partial<Record<PanelStage, string>>;

export type PanelBackupOutcome = {
  /** When it finished. */
  at: string;
  startedAt: string;
  ok: boolean;
  /** Set when it was interrupted (the panel stopped mid-backup) rather than failed. */
  interrupted?: boolean;
  error: string | null;
  /** The first stage not reached, on failure. */
  failedStage: PanelStage | null;
  stages: PanelStages;
  target: string | null;
  snapshotId: string | null;
  durationMs: number | null;
  addedBytes: number | null;
  /** The slot it ran for; absent: asked for by a person. */
  scheduledFor?: string;
  requestedBy?: number | null;
};

export type PanelBackupRunning = {
  startedAt: string;
  target: string;
  stages: PanelStages;
  scheduledFor?: string;
  requestedBy?: number | null;
};

/** What the page shows; `lastSuccessAt` also feeds the metric. */
export type PanelBackupStatus = {
  last: PanelBackupOutcome | null;
  lastSuccessAt: string | null;
  history: PanelBackupOutcome[];
  running: PanelBackupRunning | null;
};

type Payload = { scheduledFor?: string; requestedBy?: number | null };
type Deps = {
  /** The backup itself; a test passes its own. */
  run?: typeof runPanelBackup;
  now?: () => Date;
  publicUrl?: string;
};

export async function runPanelBackupJob(db: Db, ring: KeyRing, payload: Payload, deps: Deps = {}): Promise<PanelBackupOutcome> {
  const now = deps.now ?? (() => new Date());
  const policy = await readPanelPolicy(db);
  const started = now();
  const running: PanelBackupRunning = {
    startedAt: started.toISOString(),
    target: policy?.target ?? '',
    stages: {},
    ...(payload.scheduledFor && { scheduledFor: payload.scheduledFor }),
    ...(payload.requestedBy !== undefined && { requestedBy: payload.requestedBy }),
  };
  await putSetting(db, RUNNING_KEY, JSON.stringify(running));
  let result: PanelBackupResult | null = null;
  let error: string | null = null;
  try {
    if (!policy) throw new Error("The panel's backup settings are missing or no longer valid: save them again.");
    result = await (deps.run ?? runPanelBackup)(db, ring, policy.target, {
      retention: policy.retention,
      onStage: async (stage) => {
        running.stages[stage] = now().toISOString();
        await putSetting(db, RUNNING_KEY, JSON.stringify(running));
      },
    });
  } catch (err) {
    error = (err as Error).message || String(err);
  }
  const outcome = outcomeOf(running, now(), { result, error });
  await finish(db, outcome, policy, deps.publicUrl);
  if (outcome.ok) await pingDeadMan(db, PANEL_DEAD_MAN_KEY, new Date(outcome.at), deps.publicUrl ?? panelUrl());
  return outcome;
}

/** The job ended without its handler finishing (the panel stopped mid-backup): say so, and alert. */
export async function interruptPanelBackupJob(db: Db, now = new Date(), publicUrl?: string): Promise<PanelBackupOutcome | null> {
  const raw = await getSetting(db, RUNNING_KEY);
  if (!raw) return null;
  const running = JSON.parse(raw) as PanelBackupRunning;
  const outcome = { ...outcomeOf(running, now, { result: null, error: 'The panel stopped during the backup.' }), interrupted: true };
  await finish(db, outcome, await readPanelPolicy(db), publicUrl);
  return outcome;
}

function outcomeOf(
  running: PanelBackupRunning,
  end: Date,
  { result, error }: { result: PanelBackupResult | null; error: string | null },
): PanelBackupOutcome {
  const ok = result !== null && error === null;
  return {
    at: end.toISOString(),
    startedAt: running.startedAt,
    ok,
    error,
    failedStage: ok ? null : (PANEL_STAGES.find((s) => !running.stages[s]) ?? null),
    stages: running.stages,
    target: running.target || null,
    snapshotId: result?.snapshotId ?? null,
    durationMs: result?.durationMs ?? end.getTime() - Date.parse(running.startedAt),
    addedBytes: result?.addedBytes ?? null,
    ...(running.scheduledFor && { scheduledFor: running.scheduledFor }),
    ...(running.requestedBy !== undefined && { requestedBy: running.requestedBy }),
  };
}

async function finish(db: Db, outcome: PanelBackupOutcome, policy: PanelBackupPolicy | null, publicUrl?: string): Promise<void> {
  const before = await readPanelBackupStatus(db);
  const lastSuccessAt = outcome.ok ? outcome.at : before.lastSuccessAt;
  await putSetting(db, LAST_KEY, JSON.stringify({ ...outcome, lastSuccessAt }));
  await putSetting(db, HISTORY_KEY, JSON.stringify([outcome, ...before.history].slice(0, HISTORY_SIZE)));
  const raw = await getSetting(db, RUNNING_KEY);
  if (raw) await takeSetting(db, RUNNING_KEY, raw);
  if (outcome.ok) return;
  const how = outcome.interrupted ? 'was interrupted' : 'failed';
  const stage = outcome.failedStage ? ` (not ${outcome.failedStage})` : '';
  const error = (outcome.error ?? '').trim();
  await notify(db, {
    type: 'backup.failed',
    title: `The panel's own backup ${how}${stage}`,
    text: `Target ${outcome.target ?? policy?.target ?? '(none)'}.${error ? `\n${error.length > 600 ? `${error.slice(0, 599)}…` : error}` : ''}`,
    url: `${publicUrl ?? panelUrl()}/settings/backup-targets`,
    at: new Date(outcome.at),
  });
}

export async function readPanelBackupStatus(db: Db): Promise<PanelBackupStatus> {
  const [last, history, running] = await Promise.all([getSetting(db, LAST_KEY), getSetting(db, HISTORY_KEY), getSetting(db, RUNNING_KEY)]);
  const parsedLast = parse<PanelBackupOutcome & { lastSuccessAt?: string | null }>(last);
  return {
    last: parsedLast,
    lastSuccessAt: parsedLast?.lastSuccessAt ?? null,
    history: parse<PanelBackupOutcome[]>(history) ?? [],
    running: parse<PanelBackupRunning>(running),
  };
}

function parse<T>(raw: string | undefined): T | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}
