import { isDeepStrictEqual } from 'node:util';
import { appSpec, channelSpec, monitorSpec, serverSpec, type Definition, type FleetSpec } from './schema';
import { writeYaml } from './yaml';

/**
 * A definition as a person would write it: values equal to their defaults are left out (import
 * fills them in again, so export → import → export still gives the same bytes).
 */
function withoutDefaults(value: unknown, defaults: unknown): unknown {
  if (!isObject(value) || !isObject(defaults)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key in defaults && isDeepStrictEqual(v, defaults[key])) continue;
    const pruned = key in defaults ? withoutDefaults(v, defaults[key]) : v;
    if (isObject(pruned) && Object.keys(pruned).length === 0 && key in defaults) continue;
    out[key] = pruned;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// The smallest valid resource of each kind, parsed: every default the schema fills in. Identity
// fields (names, kinds, domains, placements) are always kept, since they are never defaults.
const KEEP = new Set(['name', 'slug', 'kind', 'domains', 'servers', 'host', 'user', 'sshKey', 'url', 'token', 'events', 'settings']);
const keepIdentity = (defaults: Record<string, unknown>) => Object.fromEntries(Object.entries(defaults).filter(([k]) => !KEEP.has(k)));

const APP_DEFAULTS = keepIdentity(
  appSpec.parse({ slug: 'x', name: 'x', kind: 'php', domains: ['x.example'], servers: [{ server: 'x', roles: ['web'] }] }) as Record<
    string,
    unknown
  >,
);
const SERVER_DEFAULTS = keepIdentity(
  serverSpec.parse({ name: 'x', host: 'x', user: 'x', sshKey: { secret: 'x' } }) as Record<string, unknown>,
);
const MONITOR_DEFAULTS = {
  http: keepIdentity(monitorSpec.parse({ kind: 'http', name: 'x', url: 'https://x.example' }) as Record<string, unknown>),
  heartbeat: keepIdentity(monitorSpec.parse({ kind: 'heartbeat', name: 'x', token: { secret: 'x' } }) as Record<string, unknown>),
};
const CHANNEL_DEFAULTS = keepIdentity(
  channelSpec.parse({ name: 'x', kind: 'slack', events: ['monitor.down'], settings: {} }) as Record<string, unknown>,
);

export function compactFleet(fleet: FleetSpec): unknown {
  return {
    apiVersion: fleet.apiVersion,
    kind: fleet.kind,
    ...(fleet.servers && { servers: fleet.servers.map((s) => withoutDefaults(s, SERVER_DEFAULTS)) }),
    ...(fleet.apps && { apps: fleet.apps.map((a) => withoutDefaults(a, APP_DEFAULTS)) }),
    ...(fleet.monitors && { monitors: fleet.monitors.map((m) => withoutDefaults(m, MONITOR_DEFAULTS[m.kind])) }),
    ...(fleet.channels && { channels: fleet.channels.map((c) => withoutDefaults(c, CHANNEL_DEFAULTS)) }),
    ...(fleet.backupTargets?.length && { backupTargets: fleet.backupTargets }),
  };
}

/** The text export writes: compact, stable, secrets as references only. */
export function definitionText(def: Definition): string {
  if (def.kind === 'App') return writeYaml({ apiVersion: def.apiVersion, kind: def.kind, app: withoutDefaults(def.app, APP_DEFAULTS) });
  return writeYaml(compactFleet(def));
}
