import type { Db } from '@/db';
import { findAppBySlug, latestAppRun, placementsOfApp } from '@/db/queries/apps';
import { listMonitorsWithNames } from '@/db/queries/monitors';
import { listChannels } from '@/db/queries/notifications';
import { findServerByName, listServers } from '@/db/queries/servers';
import type { App } from '@/db/schema';
import { refuseWhileBusy, requestDeleteApp, takeOffServers } from '@/lib/apps/delete';
import { deleteServer } from '@/lib/servers/delete';
import { ActionError } from '@/lib/auth/action-core';
import { createApp, redefineApp } from '@/lib/apps/manage';
import { findTargetByName, deleteTarget } from '@/db/queries/backups';
import { saveTarget } from '@/lib/backups/targets';
import { queueConfigure, type QueuedConfigure } from '@/lib/apps/configure-queue';
import type { KeyRing } from '@/lib/crypto';
import { appConfigInput, type AppConfig } from '@/lib/model/app-config';
import { createMonitor, editMonitor, removeMonitor } from '@/lib/monitors/manage';
import type { MonitorInput } from '@/lib/monitors/input';
import { defineChannel } from '@/lib/notify/define-channel';
import { removeChannel } from '@/lib/notify/channels';
import { SECRET_FIELDS } from '@/lib/notify/fields';
import { defineServer } from '@/lib/servers/define';
import type { Enqueue } from '@/lib/servers/requests';
import type { ResourceChange, SpecPlan } from './diff';
import { isRef } from './references';
import type { AppSpec, ChannelSpec, Definition, MonitorSpec } from './schema';

/**
 * Runs a plan (lib/spec/diff.ts) through the same domain functions the forms use: one write path
 * for every change to servers, apps, monitors and channels. Everything is written in one
 * transaction (a failure leaves the panel as it was); configure is queued only after it commits,
 * one job per ready server, returned for the page to link to.
 */
export type ApplyOutcome = { applied: ResourceChange[]; queued: QueuedConfigure[] };

export function appConfigOf(app: AppSpec, serverIds: ReadonlyMap<string, string>): { name: string; config: AppConfig } {
  const id = (name: string) => serverIds.get(name)!;
  const { name, servers: _placements, workers, release, ...rest } = app;
  const config = {
    ...rest,
    workers: workers.map(({ servers, ...w }) => ({ ...w, serverIds: servers.map(id) })),
    release: { ...release, hooks: release.hooks.map(({ server, ...h }) => ({ ...h, ...(server && { serverId: id(server) }) })) },
  };
  // The stored config is read back through the app model on every read: it must pass it whole.
  const checked = appConfigInput.safeParse(config);
  if (!checked.success) throw new ActionError(checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return { name, config: checked.data };
}

function monitorInputOf(m: MonitorSpec): MonitorInput {
  const common = { name: m.name, intervalS: m.intervalS, paused: m.paused };
  if (m.kind === 'heartbeat')
    return {
      ...common,
      kind: 'heartbeat',
      method: 'GET',
      timeoutMs: 10_000,
      expectedStatus: '200-299',
      retries: 0,
      graceS: m.graceS,
    } as MonitorInput;
  return {
    ...common,
    kind: 'http',
    url: m.url,
    method: m.method,
    timeoutMs: m.timeoutMs,
    expectedStatus: m.expectedStatus,
    keyword: m.keyword,
    retries: m.retries,
    graceS: 0,
  } as MonitorInput;
}

function channelDefinitionOf(c: ChannelSpec) {
  const settings = Object.fromEntries(Object.entries(c.settings).filter(([, v]) => !isRef(v))) as Record<string, string | number>;
  const secretFields = SECRET_FIELDS[c.kind].filter((f) => isRef(c.settings[f]));
  return { name: c.name, kind: c.kind, events: c.events, enabled: c.enabled, settings, secretFields };
}

/**
 * Removals run the UI's own delete code (lib/apps/delete.ts): checked inside the transaction,
 * their teardown queued once it commits (a job must not start on rows that may roll back).
 */
type Teardowns = { deletes: App[]; takenOff: { app: App; serverIds: string[] }[] };

async function applyChange(db: Db, ring: KeyRing, def: Definition, change: ResourceChange, after: Teardowns): Promise<string | null> {
  const find = <T extends { name?: string; slug?: string }>(list: T[] | undefined, key: string) =>
    list?.find((t) => (t.slug ?? t.name) === key);
  const apps = def.kind === 'App' ? [def.app] : def.apps;
  switch (change.kind) {
    case 'server': {
      if (change.action === 'delete') {
        const server = await findServerByName(db, change.key);
        if (server) await deleteServer(db, server.id, server.name);
        return null;
      }
      const s = find(def.kind === 'Fleet' ? def.servers : undefined, change.key)!;
      await defineServer(db, s);
      return null;
    }
    case 'app': {
      if (change.action === 'delete') {
        const existing = await findAppBySlug(db, change.key);
        if (existing && !existing.deletingAt) {
          await refuseWhileBusy(db, existing);
          after.deletes.push(existing);
        }
        return null;
      }
      const app = find(apps, change.key)!;
      const ids = new Map((await listServers(db)).map((s) => [s.name, s.id]));
      const { name, config } = appConfigOf(app, ids);
      const placements = app.servers.map((p) => ({ serverId: ids.get(p.server)!, roles: p.roles }));
      const existing = await findAppBySlug(db, app.slug);
      if (!existing) return (await createApp(db, { name, config, placements }, { pending: true })).id;
      const gone = (await placementsOfApp(db, existing.id)).filter((p) => !placements.some((q) => q.serverId === p.server.id));
      if (gone.length) {
        await refuseWhileBusy(db, existing);
        after.takenOff.push({ app: existing, serverIds: gone.map((p) => p.server.id) });
      }
      await redefineApp(db, existing.id, { name, config, placements }, { pending: true });
      return existing.id;
    }
    case 'monitor': {
      const current = (await listMonitorsWithNames(db)).find((m) => !m.autoKey && m.name === change.key);
      if (change.action === 'delete') {
        if (current) await removeMonitor(db, current.id);
        return null;
      }
      const m = find(def.kind === 'Fleet' ? def.monitors : undefined, change.key)!;
      if (current) await editMonitor(db, current.id, monitorInputOf(m));
      else await createMonitor(db, ring, monitorInputOf(m));
      return null;
    }
    case 'channel': {
      if (change.action === 'delete') {
        const current = (await listChannels(db)).find((c) => c.name === change.key);
        if (current) await removeChannel(db, current.id);
        return null;
      }
      await defineChannel(db, ring, channelDefinitionOf(find(def.kind === 'Fleet' ? def.channels : undefined, change.key)!));
      return null;
    }
    case 'backupTarget': {
      if (change.action === 'delete') {
        const current = await findTargetByName(db, change.key);
        if (current) await deleteTarget(db, current.id);
        return null;
      }
      const t = find(def.kind === 'Fleet' ? def.backupTargets : undefined, change.key)!;
      await saveTarget(db, ring, { name: t.name, settings: t.settings, fromDefinition: true });
      return null;
    }
  }
}

/**
 * Apps of the definition whose configure did not finish on a ready server (it failed, was
 * interrupted, or never ran there because the server was not ready when the app was applied).
 * Applying the same file again queues them: a retry finishes what an unreachable server stopped.
 */
async function unfinishedApps(db: Db, def: Definition): Promise<string[]> {
  const slugs = def.kind === 'App' ? [def.app.slug] : (def.apps ?? []).map((a) => a.slug);
  const ids: string[] = [];
  for (const slug of slugs) {
    const app = await findAppBySlug(db, slug);
    if (!app) continue;
    for (const { server } of await placementsOfApp(db, app.id)) {
      if (!server.provisionedAt || !server.hostKeyFingerprint || !server.privateKeySealed) continue;
      const last = await latestAppRun(db, app.id, server.id);
      if (!last || last.status === 'failed' || last.status === 'interrupted') {
        ids.push(app.id);
        break;
      }
    }
  }
  return ids;
}

export async function applyPlan(
  db: Db,
  ring: KeyRing,
  enqueue: Enqueue,
  userId: number,
  def: Definition,
  plan: SpecPlan,
  opts: { confirmDestructive: boolean },
): Promise<ApplyOutcome> {
  const refused = plan.changes.filter((c) => c.refused);
  if (refused.length)
    throw new ActionError(`The plan cannot be applied: ${refused.map((c) => `${c.kind} ${c.key}: ${c.refused}`).join('; ')}`);
  if (plan.changes.some((c) => c.destructive) && !opts.confirmDestructive)
    throw new ActionError('This plan removes things: confirm the destructive changes to apply it.', undefined, 'destructive');
  const after: Teardowns = { deletes: [], takenOff: [] };
  const touchedApps = await db.transaction(async (tx) => {
    const ids: string[] = [];
    for (const change of plan.changes) {
      try {
        const appId = await applyChange(tx as unknown as Db, ring, def, change, after);
        if (appId) ids.push(appId);
      } catch (err) {
        if (err instanceof ActionError) throw new ActionError(`${change.kind} ${change.key}: ${err.message}`, err.fieldErrors);
        throw err;
      }
    }
    return ids;
  });
  for (const { app, serverIds } of after.takenOff) await takeOffServers(db, enqueue, app, serverIds, userId);
  for (const app of after.deletes) await requestDeleteApp(db, enqueue, { appId: app.id, confirmSlug: app.slug, deleteData: false, userId });
  const retry = await unfinishedApps(db, def);
  const queued = await queueConfigure(db, enqueue, [...new Set([...touchedApps, ...retry])], userId);
  return { applied: plan.changes, queued };
}
