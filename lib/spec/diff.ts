import { createHash } from 'node:crypto';
import { destinationMoved } from '@/lib/notify/fields';
import { isRef } from './references';
import type { AppSpec, BackupTargetSpec, ChannelSpec, Definition, FleetSpec, MonitorSpec, ServerSpec } from './schema';

/**
 * The plan of a definition against the panel: every resource created, updated or deleted, each
 * change field by field. Pure: the panel's side comes in as a spec (lib/spec/export.ts) and the
 * references it holds. Apply runs exactly this list, and a second plan of the same file is empty.
 */
export type ResourceKind = 'server' | 'app' | 'monitor' | 'channel' | 'backupTarget';
export type FieldChange = { field: string; from: string | null; to: string | null };
export type ResourceChange = {
  kind: ResourceKind;
  key: string;
  action: 'create' | 'update' | 'delete';
  fields: FieldChange[];
  /** Why the change loses something (data, history, a server's apps); apply needs an explicit confirmation. */
  destructive: string | null;
  /** Why apply cannot do it (yet): the whole plan is refused until the file changes. */
  refused: string | null;
  /** References the panel does not hold: the resource is marked "needs value" and nothing runs for it until set. */
  needsValue: string[];
};
export type SpecPlan = { hash: string; changes: ResourceChange[] };

export const definitionHash = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** Every leaf of a value as `path → JSON`; arrays of plain values count as one value (a list of domains reads as one change). */
function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  const scalarList = Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object');
  if (value !== null && typeof value === 'object' && !scalarList && !isRef(value)) {
    for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value))
      flatten(v, prefix ? (Array.isArray(value) ? `${prefix}[${k}]` : `${prefix}.${k}`) : String(k), out);
    if (Array.isArray(value) && value.length === 0) out.set(prefix, '[]');
  } else if (value !== undefined) out.set(prefix, JSON.stringify(value));
  return out;
}

export function fieldChanges(from: unknown, to: unknown): FieldChange[] {
  const a = flatten(from);
  const b = flatten(to);
  const fields = [...new Set([...a.keys(), ...b.keys()])].filter((f) => a.get(f) !== b.get(f));
  return fields.map((field) => ({ field, from: a.get(field) ?? null, to: b.get(field) ?? null }));
}

const refsOf = (value: unknown): string[] =>
  isRef(value) ? [value.secret] : value && typeof value === 'object' ? Object.values(value).flatMap(refsOf) : [];

type Section<T> = {
  kind: ResourceKind;
  keyOf: (t: T) => string;
  destructive: (from: T | undefined, to: T | undefined) => string | null;
  refused: (from: T | undefined, to: T | undefined) => string | null;
  /** The references a resource needs held; by default every one it names. */
  needs?: (from: T | undefined, to: T) => string[];
};

const SERVER: Section<ServerSpec> = {
  kind: 'server',
  keyOf: (s) => s.name,
  destructive: (from, to) => (from && !to ? 'deletes the server from the panel (the machine is not touched)' : null),
  // Whether an app still uses it needs the apps: planDefinition refuses that (serversInUse).
  refused: () => null,
};

const dataServicesDropped = (from: AppSpec, to: AppSpec) =>
  (['postgres', 'redis'] as const).filter((d) => from.dataServices[d] && !to.dataServices[d]);

const APP: Section<AppSpec> = {
  kind: 'app',
  keyOf: (a) => a.slug,
  destructive: (from, to) => {
    if (from && !to)
      return `deletes the app from ${from.servers.map((p) => p.server).join(', ')} (site, pool, workers, cron, certificates, releases, shared files, user) and from the panel; its database and Redis user are kept`;
    if (!from || !to) return null;
    const gone = serversGone(from, to);
    const dropped = dataServicesDropped(from, to);
    const what = [
      gone.length && `takes the app off ${gone.join(', ')} (its site, pool, workers, cron, certificates, files and user there are removed)`,
      dropped.length && `turns off ${dropped.join(' and ')} for the app (its data is no longer managed)`,
    ].filter(Boolean);
    return what.length ? what.join('; ') : null;
  },
  refused: (from, to) => {
    if (!from || !to) return null;
    if (from.kind !== to.kind) return `An app's kind cannot change (${from.kind} → ${to.kind}): it names its runtime`;
    return null;
  },
};

/** The servers a definition takes the app off: apply runs the delete's teardown there (lib/apps/delete.ts). */
export const serversGone = (from: AppSpec, to: AppSpec) =>
  from.servers.filter((p) => !to.servers.some((q) => q.server === p.server)).map((p) => p.server);

/**
 * A server is deleted only once no app uses it, as in the UI. Its apps' teardown runs after
 * apply, so a file that drops a server and its apps at once is refused: drop the apps first.
 */
function serverInUse(current: FleetSpec, server: string): string | null {
  const apps = (current.apps ?? []).filter((a) => a.servers.some((p) => p.server === server)).map((a) => a.slug);
  return apps.length
    ? `Used by ${apps.join(', ')}: take ${apps.length === 1 ? 'that app' : 'those apps'} off it first (apply that, and once their teardown is done, remove the server)`
    : null;
}

const MONITOR: Section<MonitorSpec> = {
  kind: 'monitor',
  keyOf: (m) => m.name,
  destructive: (from, to) => (from && !to ? 'deletes the monitor and its check history' : null),
  refused: (from, to) => (from && to && from.kind !== to.kind ? 'A monitor’s kind cannot change: rename it to make a new one' : null),
  // A heartbeat's token is the panel's own: a new panel makes one (a new ping URL), as for a webhook secret.
  needs: () => [],
};

const CHANNEL: Section<ChannelSpec> = {
  kind: 'channel',
  keyOf: (c) => c.name,
  destructive: (from, to) => {
    if (from && !to) return 'deletes the channel and its delivery log';
    // The forms' rule: a kept secret never follows a new destination (lib/notify/fields.ts).
    if (from && to && from.kind === to.kind && refsOf(to).length > 0 && destinationMoved(to.kind, from.settings, to.settings))
      return 'sends somewhere else: its stored secrets are dropped and must be set again';
    return null;
  },
  refused: (from, to) => (from && to && from.kind !== to.kind ? 'A channel’s kind cannot change: rename it to make a new one' : null),
};

const BACKUP_TARGET: Section<BackupTargetSpec> = {
  kind: 'backupTarget',
  keyOf: (t) => t.name,
  destructive: (from, to) => {
    // The row holds the repository key: without it nothing on the target can be read again.
    if (from && !to) return 'forgets the target and its repository key: keep a copy of the key (berth backup-key) to read its backups';
    if (from && to && from.settings.kind === to.settings.kind && JSON.stringify(from.settings) !== JSON.stringify(to.settings))
      return 'sends backups somewhere else: the stored credential must be set again';
    return null;
  },
  refused: (from, to) =>
    from && to && from.settings.kind !== to.settings.kind
      ? 'A backup target’s kind cannot change: add a new target and point the policies at it'
      : null,
};

/** A policy must name a target the panel has or the same definition makes. */
function missingTargets(app: AppSpec, targets: ReadonlySet<string>): string | null {
  const missing = app.backups.filter((p) => !targets.has(p.target)).map((p) => `${p.name} → ${p.target}`);
  return missing.length ? `Backup policies name targets that do not exist: ${missing.join(', ')}` : null;
}

function planSection<T>(
  section: Section<T>,
  current: readonly T[],
  desired: readonly T[] | undefined,
  held: ReadonlySet<string>,
  prune: boolean,
): ResourceChange[] {
  if (!desired) return [];
  const before = new Map(current.map((t) => [section.keyOf(t), t]));
  const after = new Map(desired.map((t) => [section.keyOf(t), t]));
  const changes: ResourceChange[] = [];
  for (const [key, to] of after) {
    const from = before.get(key);
    const fields = fieldChanges(from ?? {}, to);
    if (from && fields.length === 0) continue;
    changes.push({
      kind: section.kind,
      key,
      action: from ? 'update' : 'create',
      fields,
      destructive: section.destructive(from, to),
      refused: section.refused(from, to),
      needsValue: (section.needs ? section.needs(from, to) : refsOf(to)).filter((r) => !held.has(r)),
    });
  }
  if (prune)
    for (const [key, from] of before) {
      if (after.has(key)) continue;
      changes.push({
        kind: section.kind,
        key,
        action: 'delete',
        fields: [],
        destructive: section.destructive(from, undefined),
        refused: section.refused(from, undefined),
        needsValue: [],
      });
    }
  return changes;
}

/** The plan of `def` against the panel's fleet; `held` lists the references the panel holds a value for. */
export function planDefinition(current: FleetSpec, def: Definition, held: ReadonlySet<string>, text: string): SpecPlan {
  const changes =
    def.kind === 'App'
      ? planSection(APP, current.apps ?? [], [def.app], held, false)
      : [
          ...planSection(SERVER, current.servers ?? [], def.servers, held, true),
          ...planSection(BACKUP_TARGET, current.backupTargets ?? [], def.backupTargets, held, true),
          ...planSection(APP, current.apps ?? [], def.apps, held, true),
          ...planSection(MONITOR, current.monitors ?? [], def.monitors, held, true),
          ...planSection(CHANNEL, current.channels ?? [], def.channels, held, true),
        ];
  const targets = new Set(
    (def.kind === 'Fleet' && def.backupTargets ? def.backupTargets : (current.backupTargets ?? [])).map((t) => t.name),
  );
  const apps = def.kind === 'App' ? [def.app] : (def.apps ?? []);
  for (const change of changes) {
    if (change.kind === 'server' && change.action === 'delete') change.refused = serverInUse(current, change.key);
    if (change.kind !== 'app' || change.action === 'delete') continue;
    const missing = missingTargets(apps.find((a) => a.slug === change.key)!, targets);
    if (missing) change.refused = change.refused ? `${change.refused}; ${missing}` : missing;
  }
  // The hash covers the changes too: apply refuses if the panel moved on since the plan was shown.
  return { hash: definitionHash(`${text}\n${JSON.stringify(changes)}`), changes };
}
