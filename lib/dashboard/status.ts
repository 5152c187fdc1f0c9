import type { Tone } from '@/lib/model/tone';
import type { UptimeCounts } from '@/db/queries/dashboard';
import type { OverviewServer } from '@/db/queries/dashboard-overview';
import type { MonitorState } from '@/db/schema';

/** Passed checks over checks made, as a percentage with up to 3 decimals; null without checks (not 100 %). */
export function uptimePct(u: UptimeCounts): number | null {
  return u.checks > 0 ? Math.floor((u.ok / u.checks) * 100_000) / 1000 : null;
}

export const formatPct = (p: number | null) => (p === null ? 'no data' : `${p.toFixed(p === 100 ? 0 : p >= 99 ? 3 : 2)} %`);

export function sumUptime(list: UptimeCounts[]): UptimeCounts {
  return list.reduce((a, u) => ({ ok: a.ok + u.ok, checks: a.checks + u.checks }), { ok: 0, checks: 0 });
}

/** An app's status: the worst state among its monitors that are not paused. */
export function worstState(states: { state: MonitorState; paused: boolean }[]): Exclude<MonitorState, 'paused'> | null {
  const active = states.filter((s) => !s.paused && s.state !== 'paused').map((s) => s.state);
  for (const s of ['down', 'pending', 'up'] as const) if (active.includes(s)) return s;
  return null;
}

export function appStatus(worst: Exclude<MonitorState, 'paused'> | null): { label: string; tone: Tone } {
  if (worst === 'down') return { label: 'down', tone: 'bad' };
  if (worst === 'pending') return { label: 'pending', tone: 'warn' };
  if (worst === 'up') return { label: 'up', tone: 'good' };
  return { label: 'no monitors', tone: 'neutral' };
}

export function serverHealth(s: Pick<OverviewServer, 'rank' | 'lastSeenAt'>): { label: string; tone: Tone } {
  switch (s.rank) {
    case 4:
      return { label: 'host key changed', tone: 'bad' };
    case 3:
      return { label: 'unreachable', tone: 'bad' };
    case 2:
      return { label: 'host key not pinned', tone: 'warn' };
    case 1:
      return { label: s.lastSeenAt ? 'not seen lately' : 'never seen', tone: 'warn' };
    default:
      return { label: 'reachable', tone: 'good' };
  }
}

/** "3 min ago", "2 h ago", "4 d ago": server-rendered, so relative to the render. */
export function ago(at: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
