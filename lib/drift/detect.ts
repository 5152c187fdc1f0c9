import type { Db } from '@/db';
import { findingsOfServer, saveServerDrift } from '@/db/queries/drift';
import { activeRunFor, serverBusySince } from '@/db/queries/runs';
import { listServers } from '@/db/queries/servers';
import { getSetting, putSetting } from '@/db/queries/settings';
import type { Server } from '@/db/schema';
import { pendingOnServers } from '@/lib/apps/pending-changes';
import type { KeyRing } from '@/lib/crypto';
import { notify } from '@/lib/notify/emit';
import { serverLink } from '@/lib/notify/links';
import { runningServices } from '@/lib/recipes/provision/services';
import { recordServerFailure } from '@/lib/servers/failures';
import { transportFor } from '@/lib/servers/remote';
import { fileDrift, reconcile, serviceDrift, type Observed } from './findings';

/** How often the tick checks every server (a setting would be the next step; five minutes is Forge-like). */
export const DRIFT_INTERVAL_MS = 5 * 60_000;
const LAST_RUN = 'drift.lastRunAt';

export type DriftOutcome = { serverId: string; serverName: string } & (
  | { state: 'checked'; open: number; fresh: number }
  | { state: 'busy' }
  | { state: 'failed'; error: string }
);

const ready = (s: Server) => !!(s.hostKeyFingerprint && s.privateKeySealed && s.provisionedAt && !s.hostKeyMismatchAt);

const CHANGE_TEXT = { changed: 'changed', missing: 'deleted', unexpected: 'left behind', stopped: 'stopped' };
const describe = (o: Observed) => `${o.subject} ${CHANGE_TEXT[o.change]}`;

/**
 * One drift check of these servers (every ready server by default): the files configure
 * manages, read and compared with the plan by the same function "pending changes" and configure
 * use, plus the services provisioning runs. One read per server, in parallel. A server with a run
 * active, or one that started or ended while it was read, is left for the next check: what it
 * showed may be a run's half-written state. New or changed drift raises `drift.detected`.
 */
export async function detectDrift(db: Db, ring: KeyRing, only?: Server[]): Promise<DriftOutcome[]> {
  const servers = (only ?? (await listServers(db))).filter(ready);
  const started = new Date();
  const idle: Server[] = [];
  const outcomes: DriftOutcome[] = [];
  for (const s of servers) {
    if (await activeRunFor(db, s.id)) outcomes.push({ serverId: s.id, serverName: s.name, state: 'busy' });
    else idle.push(s);
  }
  const views = await pendingOnServers(db, ring, idle);
  await Promise.all(
    idle.map(async (server, i) => {
      const base = { serverId: server.id, serverName: server.name };
      const view = views[i]!;
      if (!view.ok) return void outcomes.push({ ...base, state: 'failed', error: view.error });
      let observed: Observed[];
      try {
        const services = await runningServices(await transportFor(server, ring), server.phpVersions);
        observed = [...fileDrift(view.apps), ...serviceDrift(services)];
      } catch (err) {
        return void outcomes.push({ ...base, state: 'failed', error: await recordServerFailure(db, server, err) });
      }
      if (await serverBusySince(db, server.id, started)) return void outcomes.push({ ...base, state: 'busy' });
      const change = reconcile(await findingsOfServer(db, server.id), observed);
      await saveServerDrift(db, server.id, change, new Date());
      if (change.fresh.length) {
        await notify(db, {
          type: 'drift.detected',
          title: `${server.name}: ${change.fresh.length} change${change.fresh.length === 1 ? '' : 's'} outside Berth`,
          text: change.fresh.map(describe).join('\n'),
          url: serverLink(server.id),
          serverId: server.id,
        });
      }
      outcomes.push({ ...base, state: 'checked', open: observed.length, fresh: change.fresh.length });
    }),
  );
  return outcomes;
}

/** The tick's part: a check of every server once per interval, whichever panel process runs the tick. */
export async function maybeDetectDrift(db: Db, ring: KeyRing, now = new Date()): Promise<boolean> {
  const last = await getSetting(db, LAST_RUN);
  if (last && now.getTime() - Date.parse(last) < DRIFT_INTERVAL_MS) return false;
  await putSetting(db, LAST_RUN, now.toISOString());
  await detectDrift(db, ring);
  return true;
}
