import type { ReleaseRow } from '@/db/queries/releases';
import { formatDuration } from '@/lib/time/format';

// How one row of the releases table reads: pure, so the wording is unit-tested.

/** Who or what started a release: a person (and through which door), a webhook, or Berth itself. */
export function startedBy(r: Pick<ReleaseRow, 'trigger' | 'requestedByEmail' | 'apiTokenName'>): string {
  if (r.trigger === 'webhook') return 'webhook';
  if (r.trigger === 'auto-rollback') return 'auto-rollback (health check)';
  const who = r.requestedByEmail ?? 'a removed user';
  const via = r.apiTokenName !== null ? ` via API token “${r.apiTokenName}”` : '';
  return `${who}${via}${r.trigger === 'redeploy' ? ' (redeploy)' : ''}`;
}

/** Run time as people read it ("42 s", "3 min 5 s"); null while it has not started or not ended. */
export function duration(r: Pick<ReleaseRow, 'startedAt' | 'finishedAt'>): string | null {
  if (!r.startedAt || !r.finishedAt) return null;
  return formatDuration(Math.max(0, r.finishedAt.getTime() - r.startedAt.getTime()));
}

/** The branch column: what a deploy was asked for; a rollback names the deploy it went back to. */
export function branchOf(r: Pick<ReleaseRow, 'kind' | 'ref'>): string {
  return r.kind === 'rollback' ? `→ ${r.ref}` : r.ref;
}

/**
 * `?page=` as typed by anyone: a positive whole number, else page 1. The query clamps to the
 * last page (it alone knows how many there are).
 */
export function pageParam(raw: string | string[] | undefined): number {
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}
