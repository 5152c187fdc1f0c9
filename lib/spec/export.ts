import type { Db } from '@/db';
import { listApps, placementsOfApp } from '@/db/queries/apps';
import { listTargets } from '@/db/queries/backups';
import { listMonitorsWithNames } from '@/db/queries/monitors';
import { listChannels } from '@/db/queries/notifications';
import { listServers } from '@/db/queries/servers';
import type { App, BackupTarget, NotificationChannel, Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import type { MonitorListRow } from '@/db/queries/monitors';
import { openChannelConfig } from '@/lib/notify/channel-config';
import { SECRET_FIELDS } from '@/lib/notify/fields';
import { publicSettings } from '@/lib/notify/define-channel';
import { channelSettings } from './channel-settings';
import { ActionError } from '@/lib/auth/action-core';
import { backupCredentialRef, channelSecretRef, heartbeatTokenRef, serverKeyRef } from './references';
import {
  API_VERSION,
  type AppDocument,
  type BackupTargetSpec,
  type AppSpec,
  type ChannelSpec,
  type FleetSpec,
  type MonitorSpec,
  type ServerSpec,
} from './schema';

/**
 * The panel as a definition: what import would need to make an empty panel the same. Read only;
 * secrets come out as references (lib/spec/references.ts), ids as names. The key order is fixed
 * here, so the same panel always exports the same bytes.
 */
export async function exportFleet(db: Db, ring: KeyRing): Promise<FleetSpec> {
  const servers = await listServers(db);
  const names = new Map(servers.map((s) => [s.id, s.name]));
  // A deleting app is on its way out (lib/apps/delete.ts): the fleet no longer has it.
  const apps = (await listApps(db)).filter((a) => !a.deletingAt);
  const monitors = (await listMonitorsWithNames(db)).filter((m) => !m.autoKey);
  const channels = await listChannels(db);
  const targets = await listTargets(db);
  refuseDuplicates(
    'monitors',
    monitors.map((m) => m.name),
  );
  refuseDuplicates(
    'channels',
    channels.map((c) => c.name),
  );
  // Sorted by key: the same panel always gives the same bytes, whatever order rows were made in.
  return {
    apiVersion: API_VERSION,
    kind: 'Fleet',
    servers: byKey(servers.map(serverToSpec), (s) => s.name),
    apps: byKey(await Promise.all(apps.map((a) => appToSpec(db, a, names))), (a) => a.slug),
    monitors: byKey(monitors.map(monitorToSpec), (m) => m.name),
    channels: byKey(
      channels.map((c) => channelToSpec(ring, c)),
      (c) => c.name,
    ),
    backupTargets: targets.map(backupTargetToSpec),
  };
}

/** Settings as stored; the credential as its reference. The repository key never leaves the panel this way. */
export function backupTargetToSpec(t: BackupTarget): BackupTargetSpec {
  return { name: t.name, settings: t.settings, ...(t.kind !== 'local' && { credential: { secret: backupCredentialRef(t.name) } }) };
}

/** Names are a definition's keys; the forms allow two alike, which a file could not tell apart. */
function refuseDuplicates(what: string, names: string[]): void {
  const twice = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (twice.length)
    throw new ActionError(`Two ${what} share a name (${twice.join(', ')}): rename one so that a definition can tell them apart.`);
}

const byKey = <T>(list: T[], key: (t: T) => string) => list.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

/** The references this panel holds a value for (lib/spec/references.ts): the plan marks the others "needs value". */
export async function heldReferences(db: Db, ring: KeyRing): Promise<Set<string>> {
  const held = new Set<string>();
  for (const s of await listServers(db)) if (s.privateKeySealed) held.add(serverKeyRef(s.name));
  for (const m of await listMonitorsWithNames(db)) if (m.tokenSealed) held.add(heartbeatTokenRef(m.name));
  for (const t of await listTargets(db)) if (t.credentialSealed) held.add(backupCredentialRef(t.name));
  for (const c of await listChannels(db)) {
    const config = openedConfig(ring, c);
    for (const f of SECRET_FIELDS[c.kind]) if (typeof config[f] === 'string' && config[f] !== '') held.add(channelSecretRef(c.name, f));
  }
  return held;
}

export async function exportApp(db: Db, app: App): Promise<AppDocument> {
  const names = new Map((await listServers(db)).map((s) => [s.id, s.name]));
  return { apiVersion: API_VERSION, kind: 'App', app: await appToSpec(db, app, names) };
}

export function serverToSpec(s: Server): ServerSpec {
  return {
    name: s.name,
    host: s.host,
    port: s.port,
    user: s.username,
    ...(s.bindAddress && { bindAddress: s.bindAddress }),
    phpVersions: s.phpVersions,
    ...(s.hostKeyFingerprint && { hostKey: s.hostKeyFingerprint }),
    sshKey: { secret: serverKeyRef(s.name) },
  };
}

export async function appToSpec(db: Db, app: App, serverNames: ReadonlyMap<string, string>): Promise<AppSpec> {
  const name = (id: string) => serverNames.get(id) ?? id;
  const { workers, release, slug, kind, domains, ...rest } = app.config;
  const placements = await placementsOfApp(db, app.id);
  return {
    slug,
    name: app.name,
    kind,
    domains,
    servers: placements.map((p) => ({ server: p.server.name, roles: [...p.roles].sort() as ('web' | 'worker')[] })),
    ...rest,
    workers: workers.map(({ serverIds, ...w }) => ({ ...w, servers: serverIds.map(name) })),
    release: { ...release, hooks: release.hooks.map(({ serverId, ...h }) => ({ ...h, ...(serverId && { server: name(serverId) }) })) },
  };
}

export function monitorToSpec(m: MonitorListRow): MonitorSpec {
  if (m.kind === 'heartbeat')
    return {
      kind: 'heartbeat',
      name: m.name,
      intervalS: m.intervalS,
      graceS: m.graceS,
      paused: m.paused,
      token: { secret: heartbeatTokenRef(m.name) },
    };
  return {
    kind: 'http',
    name: m.name,
    url: m.url ?? '',
    method: m.method as 'GET' | 'HEAD' | 'POST',
    intervalS: m.intervalS,
    timeoutMs: m.timeoutMs,
    expectedStatus: m.expectedStatus,
    ...(m.keyword && { keyword: m.keyword }),
    retries: m.retries,
    paused: m.paused,
  };
}

/** Non-secret settings as stored; every secret field as its reference, whether or not a value is held. */
export function channelToSpec(ring: KeyRing, c: NotificationChannel): ChannelSpec {
  const config = openedConfig(ring, c);
  const secrets = SECRET_FIELDS[c.kind].filter((f) => (typeof config[f] === 'string' && config[f] !== '') || c.needsValue.includes(f));
  return {
    name: c.name,
    kind: c.kind,
    events: [...c.events] as ChannelSpec['events'],
    enabled: c.enabled,
    settings: channelSettings(c.kind, publicSettings(c.kind, config), secrets, c.name),
  };
}

/** A channel's sealed settings; one this panel's keys cannot open stops export with a message that says which. */
function openedConfig(ring: KeyRing, c: NotificationChannel): Record<string, unknown> {
  try {
    return openChannelConfig(ring, c) as unknown as Record<string, unknown>;
  } catch (err) {
    throw new ActionError(
      `The channel ${c.name}'s settings do not open with this panel's keys (${(err as Error).message}): fix or delete it first.`,
    );
  }
}
