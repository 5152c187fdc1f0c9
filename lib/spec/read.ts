import { monitorUrlProblem } from '@/lib/remote/url-safety';
import { SECRET_FIELDS, CONFIG_FIELDS } from '@/lib/notify/fields';
import { parseStatusSpec } from '@/lib/monitors/status-spec';
import { backupCredentialRef, channelSecretRef, heartbeatTokenRef, isRef, PLAIN_SECRET, serverKeyRef } from './references';
import type { ZodType } from 'zod';
import { definition, type AppSpec, type Definition } from './schema';
import { normalChannelSettings } from '@/lib/notify/define-channel';
import { channelSettings } from './channel-settings';
import { pathText, readYaml, type DefinitionProblem } from './yaml';

export type ReadResult = { ok: true; definition: Definition } | { ok: false; problems: DefinitionProblem[] };
type Issue = { path: PropertyKey[]; message: string };

/**
 * A definition file, read and checked: YAML limits, the schema, keys it does not know, and the
 * references between resources. `panelServers` names the servers an app file may place an app on
 * (a fleet file with a `servers` section names its own). Every problem carries its line.
 */
export function readDefinition(text: string, opts: { panelServers?: readonly string[] } = {}): ReadResult {
  const yaml = readYaml(text);
  if (!yaml.ok) return yaml;
  const located = (issues: Issue[]): ReadResult => ({
    ok: false,
    problems: issues.map((i) => ({ line: yaml.lineOf(i.path), path: pathText(i.path), message: i.message })),
  });
  // Unknown keys first and always: `domain:` for `domains:` should say so, not only "domains is missing".
  const unknown = unknownKeys(definition, yaml.value, []);
  const parsed = definition.safeParse(yaml.value);
  if (!parsed.success) return located([...unknown, ...parsed.error.issues.map((i) => ({ path: i.path, message: i.message }))]);
  const issues = [...unknown, ...crossChecks(parsed.data, opts.panelServers ?? [])];
  if (issues.length) return located(issues);
  const normal = normalized(parsed.data);
  return 'issues' in normal ? located(normal.issues) : { ok: true, definition: normal.definition };
}

/**
 * The definition in the one shape export writes, so a file and the panel it was applied to
 * compare equal: placements by server name with sorted roles, channel settings as their kind
 * stores them (recipients joined, Telegram's API base filled in), empty optional values left out.
 */
function normalized(def: Definition): { definition: Definition } | { issues: Issue[] } {
  const app = (a: AppSpec): AppSpec => ({
    ...a,
    servers: [...a.servers].sort((x, y) => x.server.localeCompare(y.server)).map((p) => ({ ...p, roles: [...p.roles].sort() })),
  });
  if (def.kind === 'App') return { definition: { ...def, app: app(def.app) } };
  const issues: Issue[] = [];
  const channels = def.channels?.map((c, i) => {
    const secrets = Object.keys(c.settings).filter((f) => isRef(c.settings[f]));
    const plain = Object.fromEntries(Object.entries(c.settings).filter(([, v]) => !isRef(v))) as Record<string, string | number>;
    const normal = normalChannelSettings(c.kind, plain, secrets);
    if (!normal.ok) {
      for (const [field, messages] of Object.entries(normal.fieldErrors))
        issues.push({
          path: ['channels', i, 'settings', ...(field in c.settings ? [field] : [])],
          message: `${field}: ${messages.join(', ')}`,
        });
      return c;
    }
    return { ...c, settings: channelSettings(c.kind, normal.settings, secrets, c.name) };
  });
  if (issues.length) return { issues };
  return {
    definition: {
      ...def,
      ...(def.servers && { servers: def.servers.map(({ bindAddress, ...s }) => ({ ...s, ...(bindAddress && { bindAddress }) })) }),
      ...(def.apps && { apps: def.apps.map(app) }),
      ...(def.monitors && {
        monitors: def.monitors.map((m) => (m.kind === 'http' && m.keyword === '' ? { ...m, keyword: undefined } : m)),
      }),
      ...(channels && { channels }),
    },
  };
}

type Def = {
  type: string;
  innerType?: ZodType;
  in?: ZodType;
  element?: ZodType;
  shape?: Record<string, ZodType>;
  options?: ZodType[];
  discriminator?: string;
};
const defOf = (schema: ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object schemas a value must match, past wrappers (optional, default, pipes) and unions (by discriminator). */
function objectShapes(schema: ZodType, value: unknown): Record<string, ZodType>[] {
  const def = defOf(schema);
  if (def.type === 'object') return [def.shape!];
  const inner = def.innerType ?? def.in;
  if (inner) return objectShapes(inner, value);
  if (def.type === 'union') {
    const options = def.options!;
    const picked =
      def.discriminator && isPlainObject(value)
        ? options.filter((o) =>
            objectShapes(o, value).some((shape) => {
              const d = shape[def.discriminator!];
              return d?.safeParse(value[def.discriminator!]).success;
            }),
          )
        : options;
    return picked.flatMap((o) => objectShapes(o, value));
  }
  return [];
}

function elementOf(schema: ZodType): ZodType | null {
  const def = defOf(schema);
  if (def.type === 'array') return def.element!;
  const inner = def.innerType ?? def.in;
  return inner ? elementOf(inner) : null;
}

/**
 * Keys in the file that the schema does not know (zod would drop them silently): a typo must
 * not pass. Walks the schema beside the value, so it reports even when other fields are wrong.
 */
function unknownKeys(schema: ZodType, value: unknown, path: PropertyKey[]): Issue[] {
  if (Array.isArray(value)) {
    const element = elementOf(schema);
    return element ? value.flatMap((v, i) => unknownKeys(element, v, [...path, i])) : [];
  }
  if (!isPlainObject(value)) return [];
  const shapes = objectShapes(schema, value);
  if (shapes.length === 0) return []; // a record or a reference: any key
  return Object.keys(value).flatMap((key) => {
    const field = shapes.find((shape) => key in shape)?.[key];
    return field ? unknownKeys(field, value[key], [...path, key]) : [{ path: [...path, key], message: `Unknown key "${key}"` }];
  });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function duplicates<T>(list: readonly T[] | undefined, keyOf: (t: T) => string, section: string, what: string): Issue[] {
  const seen = new Set<string>();
  return (list ?? []).flatMap((item, i) => {
    const key = keyOf(item);
    if (!seen.has(key)) {
      seen.add(key);
      return [];
    }
    return [{ path: [section, i], message: `${what} "${key}" appears twice` }];
  });
}

/** With a backupTargets section, every policy must name one of its targets (without one, the plan checks the panel's). */
function policyTargetIssues(def: Definition & { kind: 'Fleet' }): Issue[] {
  if (!def.backupTargets) return [];
  const names = new Set(def.backupTargets.map((t) => t.name));
  return (def.apps ?? []).flatMap((a, i) =>
    a.backups.flatMap((p, j) =>
      names.has(p.target)
        ? []
        : [{ path: ['apps', i, 'backups', j, 'target'], message: `No backup target named ${p.target} in backupTargets` }],
    ),
  );
}

function crossChecks(def: Definition, panelServers: readonly string[]): Issue[] {
  if (def.kind === 'App') return appChecks(def.app, ['app'], new Set(panelServers));
  const servers = new Set(def.servers ? def.servers.map((s) => s.name) : panelServers);
  return [
    ...duplicates(def.servers, (s) => s.name, 'servers', 'The server'),
    ...duplicates(def.apps, (a) => a.slug, 'apps', 'The app'),
    ...duplicates(def.monitors, (m) => m.name, 'monitors', 'The monitor'),
    ...duplicates(def.channels, (c) => c.name, 'channels', 'The channel'),
    ...duplicates(def.backupTargets, (t) => t.name, 'backupTargets', 'The backup target'),
    ...(def.backupTargets ?? []).flatMap((t, i) =>
      t.credential ? refIssue(t.credential.secret, backupCredentialRef(t.name), ['backupTargets', i, 'credential']) : [],
    ),
    ...policyTargetIssues(def),
    ...(def.servers ?? []).flatMap((s, i) => refIssue(s.sshKey.secret, serverKeyRef(s.name), ['servers', i, 'sshKey'])),
    ...(def.apps ?? []).flatMap((a, i) => appChecks(a, ['apps', i], servers)),
    ...(def.monitors ?? []).flatMap((m, i): Issue[] => {
      const at = ['monitors', i];
      if (m.kind === 'heartbeat') return refIssue(m.token.secret, heartbeatTokenRef(m.name), [...at, 'token']);
      const url = monitorUrlProblem(m.url);
      const status = parseStatusSpec(m.expectedStatus);
      return [
        ...(url ? [{ path: [...at, 'url'], message: url }] : []),
        ...('error' in status ? [{ path: [...at, 'expectedStatus'], message: status.error }] : []),
        ...(m.timeoutMs >= m.intervalS * 1000
          ? [{ path: [...at, 'timeoutMs'], message: 'The timeout must be shorter than the interval' }]
          : []),
      ];
    }),
    ...(def.channels ?? []).flatMap((c, i) =>
      Object.entries(c.settings).flatMap(([field, value]): Issue[] => {
        const at = ['channels', i, 'settings', field];
        if (!CONFIG_FIELDS[c.kind].includes(field)) return [{ path: at, message: `A ${c.kind} channel has no setting "${field}"` }];
        const secret = SECRET_FIELDS[c.kind].includes(field);
        if (secret && !isRef(value)) return [{ path: at, message: PLAIN_SECRET }];
        if (!secret && isRef(value)) return [{ path: at, message: `"${field}" is not a secret: write its value` }];
        return isRef(value) ? refIssue(value.secret, channelSecretRef(c.name, field), at) : [];
      }),
    ),
  ];
}

const refIssue = (given: string, expected: string, path: PropertyKey[]): Issue[] =>
  given === expected ? [] : [{ path, message: `This reference must be ${expected}: it names where the panel keeps the value` }];

function appChecks(app: AppSpec, at: PropertyKey[], servers: ReadonlySet<string>): Issue[] {
  const roles = new Map(app.servers.map((p) => [p.server, p.roles]));
  const issues: Issue[] = [];
  app.servers.forEach((p, i) => {
    if (!servers.has(p.server)) issues.push({ path: [...at, 'servers', i, 'server'], message: `Unknown server "${p.server}"` });
  });
  issues.push(...duplicates(app.servers, (p) => p.server, 'servers', 'The server').map((d) => ({ ...d, path: [...at, ...d.path] })));
  if (!app.servers.some((p) => p.roles.includes('web')))
    issues.push({ path: [...at, 'servers'], message: 'At least one server must have the web role' });
  app.workers.forEach((w, i) => {
    w.servers.forEach((name, j) => {
      if (!roles.get(name)?.includes('worker'))
        issues.push({
          path: [...at, 'workers', i, 'servers', j],
          message: `Worker ${w.name} names ${name}, which has no worker role for this app`,
        });
    });
  });
  app.workers.forEach((w, i) => {
    // A process app's own command runs as the supervisor programs web-a and web-b.
    if (['web', 'web-a', 'web-b'].includes(w.name))
      issues.push({ path: [...at, 'workers', i, 'name'], message: 'The worker names "web", "web-a" and "web-b" are reserved' });
  });
  if (app.kind === 'process' && (!app.port || !app.processArgv))
    issues.push({ path: [...at, 'kind'], message: 'A process app needs a port and processArgv (the command that listens on it)' });
  app.release.hooks.forEach((h, i) => {
    if (h.server && !roles.has(h.server))
      issues.push({ path: [...at, 'release', 'hooks', i, 'server'], message: `The hook names ${h.server}, which does not run this app` });
  });
  return issues;
}
