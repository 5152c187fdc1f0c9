import { createHash } from 'node:crypto';
import type { DriftChange, DriftFinding } from '@/db/schema';
import type { ServiceState } from '@/lib/model/server-facts';
import type { FileStatus, PendingFile } from '@/lib/apps/pending-changes';

// Pure: what one drift check saw on a server, and how it changes the stored findings.

export type Observed = { appId: string | null; subject: string; change: DriftChange; diff: string | null };

/** configure would create a file the server lacks (deleted by hand), update one, or remove one left behind. */
const CHANGE_OF: Record<Exclude<FileStatus, 'same'>, DriftChange> = { create: 'missing', update: 'changed', remove: 'unexpected' };

export function fileDrift(apps: { appId: string; files: PendingFile[] }[]): Observed[] {
  return apps.flatMap(({ appId, files }) =>
    files.flatMap((f) => (f.status === 'same' ? [] : [{ appId, subject: f.path, change: CHANGE_OF[f.status], diff: f.diff || null }])),
  );
}

/** Every service provisioning runs (nginx, PHP-FPM per version, supervisor, cron) that is not running now. */
export function serviceDrift(states: ServiceState[]): Observed[] {
  return states.filter((s) => !s.running).map((s) => ({ appId: null, subject: s.name, change: 'stopped' as const, diff: null }));
}

/** The same drift seen twice has the same fingerprint; a dismissed finding whose drift changes comes back. */
export const fingerprintOf = (o: Observed) =>
  createHash('sha256')
    .update(`${o.change}\0${o.diff ?? ''}`)
    .digest('hex');

export type Reconciled = {
  /** New, or changed since last seen: written with a fresh detection time, not dismissed, and alerted. */
  fresh: (Observed & { fingerprint: string })[];
  /** Seen again as it was: only its last-seen time moves. */
  seenAgain: string[];
  /** Gone: the server matches the plan there again. */
  resolved: string[];
};

export function reconcile(stored: DriftFinding[], observed: Observed[]): Reconciled {
  const bySubject = new Map(stored.map((f) => [f.subject, f]));
  const out: Reconciled = { fresh: [], seenAgain: [], resolved: [] };
  const seen = new Set<string>();
  for (const o of observed) {
    seen.add(o.subject);
    const fingerprint = fingerprintOf(o);
    const before = bySubject.get(o.subject);
    if (before && before.fingerprint === fingerprint) out.seenAgain.push(before.id);
    else out.fresh.push({ ...o, fingerprint });
  }
  for (const f of stored) if (!seen.has(f.subject)) out.resolved.push(f.id);
  return out;
}
