import { z } from 'zod';
import { multiLine, singleLine, trimmedLine } from '@/lib/model/text';
import { appConfigInput, type AppConfig } from '@/lib/model/app-config';
import { formFieldOf } from './form-fields';
import { parseCommandLine } from './command-line';
import { parseCommandLines, parseCronLines, parseHookLines, parseWorkerLines, type LineProblem } from './form-lines';

/**
 * The app forms send text; this turns it into a typed AppConfig over a base (the stored config,
 * or slug + kind on create). A field the form did not send keeps the base's value, so the pool
 * form and the settings form share one path. Every error goes back under its form field.
 */
// Only a bound and plain text here: each value is checked again, line by line, by the model.
const text = multiLine(20_000).optional();
/** A checkbox posts a hidden "off" and, when ticked, "on" (absent = the form did not show it). */
const checkbox = z.union([singleLine(10), z.array(singleLine(10)).max(4)]).optional();

export const configFields = z.object({
  domains: text,
  phpVersion: text,
  webRoot: text,
  port: text,
  processCommand: text,
  restart: text,
  memoryLimitMb: text,
  repository: text,
  branch: text,
  healthPath: text,
  healthStatus: text,
  healthTimeoutS: text,
  sharedPaths: text,
  writablePaths: text,
  scheduler: checkbox,
  cron: text,
  workers: text,
  nginxSnippet: text,
  tlsMode: text,
  acmeEmail: text,
  postgres: checkbox,
  redis: checkbox,
  pm: text,
  maxChildren: text,
  startServers: text,
  minSpareServers: text,
  maxSpareServers: text,
  maxRequests: text,
  phpMemoryLimitMb: text,
  requestTerminateTimeoutS: text,
  uploadMaxMb: text,
  slowlogThresholdS: text,
  buildCommands: text,
  buildTimeoutS: text,
  releaseCommands: text,
  hooks: text,
  preSwitchCheck: text,
  gate: checkbox,
  watchWindowS: text,
  watchErrorRisePct: text,
  restartCommand: text,
  keepReleases: text,
  postPushCommands: text,
  restartAfterPush: checkbox,
});
export type ConfigFields = z.infer<typeof configFields>;

const words = (s: string) => s.split(/[\s,]+/).filter(Boolean);
const ticked = (v: string | string[]) => (Array.isArray(v) ? v.includes('on') : v === 'on');
const optionalNumber = (s: string) => (s.trim() === '' ? undefined : s.trim());

type FieldErrors = Record<string, string[]>;
/** Adds a message to a field's list of errors. */
const addError = (errors: FieldErrors, field: string, message: string) => {
  errors[field] = [...(errors[field] ?? []), message];
};
export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; fieldErrors: FieldErrors };

const POOL_FIELDS = [
  'pm',
  'maxChildren',
  'startServers',
  'minSpareServers',
  'maxSpareServers',
  'maxRequests',
  'requestTerminateTimeoutS',
  'uploadMaxMb',
  'slowlogThresholdS',
] as const;

export function configFromForm(
  f: ConfigFields,
  base: Partial<AppConfig> & Pick<AppConfig, 'slug' | 'kind'>,
  serverIdByName: Map<string, string> = new Map(),
): ConfigResult {
  const raw: Record<string, unknown> = structuredClone(base);
  const errors: FieldErrors = {};
  const lineErrors = (field: string, problems: LineProblem[]) => {
    for (const p of problems) addError(errors, field, `Line ${p.line}: ${p.message}`);
  };
  // Text-area line of each parsed entry, so schema errors name the line the operator typed;
  // single-line lists (domains, paths) name the offending value instead.
  const linesOf: Record<string, number[]> = {};
  const where = (field: string, index: number) => {
    const line = linesOf[field]?.[index];
    if (line !== undefined) return `Line ${line}`;
    const value = (raw[field] as unknown[] | undefined)?.[index];
    return typeof value === 'string' ? `"${value}"` : `Entry ${index + 1}`;
  };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) raw[key] = value;
  };

  set('domains', f.domains === undefined ? undefined : words(f.domains));
  set('phpVersion', f.phpVersion?.trim() || undefined);
  set('webRoot', f.webRoot?.trim() || undefined);
  if (f.port !== undefined) raw.port = optionalNumber(f.port);
  if (f.processCommand !== undefined) {
    const parsed = f.processCommand.trim() ? parseCommandLine(f.processCommand) : null;
    if (parsed && 'error' in parsed) addError(errors, 'processCommand', parsed.error);
    raw.processArgv = parsed && 'argv' in parsed ? parsed.argv : undefined;
  }
  set('restart', f.restart || undefined);
  if (f.memoryLimitMb !== undefined) raw.memoryLimitMb = optionalNumber(f.memoryLimitMb);
  if (f.repository !== undefined) raw.repository = f.repository.trim() || undefined;
  set('branch', f.branch?.trim() || undefined);
  if (f.healthPath !== undefined || f.healthStatus !== undefined || f.healthTimeoutS !== undefined) {
    raw.healthCheck = {
      ...(base.healthCheck ?? {}),
      ...(f.healthPath !== undefined && { path: f.healthPath }),
      ...(f.healthStatus !== undefined && { expectStatus: f.healthStatus }),
      ...(f.healthTimeoutS !== undefined && { timeoutS: f.healthTimeoutS }),
    };
  }
  set('sharedPaths', f.sharedPaths === undefined ? undefined : words(f.sharedPaths));
  set('writablePaths', f.writablePaths === undefined ? undefined : words(f.writablePaths));
  set('scheduler', f.scheduler === undefined ? undefined : ticked(f.scheduler));
  set('nginxSnippet', f.nginxSnippet?.replaceAll('\r\n', '\n'));
  if (f.tlsMode !== undefined || f.acmeEmail !== undefined) {
    raw.tls = {
      ...(base.tls ?? {}),
      ...(f.tlsMode !== undefined && { mode: f.tlsMode }),
      ...(f.acmeEmail !== undefined && { acmeEmail: f.acmeEmail.trim() || undefined }),
    };
  }
  if (f.postgres !== undefined || f.redis !== undefined) {
    raw.dataServices = {
      ...(base.dataServices ?? {}),
      ...(f.postgres !== undefined && { postgres: ticked(f.postgres) }),
      ...(f.redis !== undefined && { redis: ticked(f.redis) }),
    };
  }
  const pool: Record<string, unknown> = { ...(base.pool ?? {}) };
  for (const key of POOL_FIELDS) if (f[key] !== undefined) pool[key] = f[key];
  if (f.phpMemoryLimitMb !== undefined) pool.memoryLimitMb = f.phpMemoryLimitMb;
  raw.pool = pool;
  if (f.cron !== undefined) {
    const parsed = parseCronLines(f.cron);
    lineErrors('cron', parsed.problems);
    raw.cron = parsed.entries;
    linesOf.cron = parsed.lines;
  }
  if (f.workers !== undefined) {
    const parsed = parseWorkerLines(f.workers, serverIdByName);
    lineErrors('workers', parsed.problems);
    raw.workers = parsed.workers;
    linesOf.workers = parsed.lines;
  }

  raw.release = releaseFromForm(f, base.release, errors, linesOf, serverIdByName, lineErrors);
  if (f.postPushCommands !== undefined || f.restartAfterPush !== undefined) {
    const envSettings: Record<string, unknown> = { ...(base.env ?? {}) };
    if (f.postPushCommands !== undefined) {
      const parsed = parseCommandLines(f.postPushCommands);
      lineErrors('postPushCommands', parsed.problems);
      envSettings.postPushCommands = parsed.commands;
      linesOf.postPushCommands = parsed.lines;
    }
    if (f.restartAfterPush !== undefined) envSettings.restartAfterPush = ticked(f.restartAfterPush);
    raw.env = envSettings;
  }

  const result = appConfigInput.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const [field, index] = formFieldOf(issue.path);
      addError(errors, field, index === undefined ? issue.message : `${where(field, index)}: ${issue.message}`);
    }
  }
  if (result.success && result.data.kind === 'process' && (!result.data.port || !result.data.processArgv) && !errors.processCommand) {
    addError(errors, 'processCommand', 'A process app needs a port and a command');
  }
  if (Object.keys(errors).length > 0 || !result.success) return { ok: false, fieldErrors: errors };
  return { ok: true, config: result.data };
}

/** The release settings: commands one per line, hooks with their options, single commands, numbers. */
function releaseFromForm(
  f: ConfigFields,
  base: AppConfig['release'] | undefined,
  errors: FieldErrors,
  linesOf: Record<string, number[]>,
  serverIdByName: Map<string, string>,
  lineErrors: (field: string, problems: LineProblem[]) => void,
): Record<string, unknown> {
  const release: Record<string, unknown> = { ...(base ?? {}) };
  for (const field of ['buildCommands', 'releaseCommands'] as const) {
    if (f[field] === undefined) continue;
    const parsed = parseCommandLines(f[field]);
    lineErrors(field, parsed.problems);
    release[field] = parsed.commands;
    linesOf[field] = parsed.lines;
  }
  if (f.hooks !== undefined) {
    const parsed = parseHookLines(f.hooks, serverIdByName);
    lineErrors('hooks', parsed.problems);
    release.hooks = parsed.hooks;
    linesOf.hooks = parsed.lines;
  }
  for (const field of ['preSwitchCheck', 'restartCommand'] as const) {
    if (f[field] === undefined) continue;
    const parsed = f[field].trim() ? parseCommandLine(f[field]) : null;
    if (parsed && 'error' in parsed) addError(errors, field, parsed.error);
    release[field] = parsed && 'argv' in parsed ? parsed.argv : undefined;
  }
  if (f.gate !== undefined) release.gate = ticked(f.gate);
  for (const field of ['watchWindowS', 'watchErrorRisePct'] as const) if (f[field] !== undefined) release[field] = f[field];
  if (f.keepReleases !== undefined) release.keepReleases = f.keepReleases;
  if (f.buildTimeoutS !== undefined) release.buildTimeoutS = f.buildTimeoutS;
  return release;
}

const list = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(singleLine(100)).max(100));

const identity = z.object({
  name: trimmedLine(80).min(1, 'Name is required'),
  kind: z.enum(['php', 'process', 'static'], { error: 'Choose a kind' }),
});

/**
 * The create form: identity, kind, servers with their roles, and the config fields it shows.
 * Everything is checked in one pass, so an empty name does not hide the other errors.
 */
export const appFormInput = configFields
  .extend({ name: z.unknown(), slug: singleLine(64).default(''), kind: z.unknown(), serverIds: list })
  .catchall(z.unknown())
  .transform((f, ctx) => {
    const id = identity.safeParse({ name: f.name ?? '', kind: f.kind });
    const fail = (path: string, message: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
    if (!id.success) for (const issue of id.error.issues) fail(String(issue.path[0]), issue.message);
    const result = configFromForm(f, { slug: f.slug, kind: id.success ? id.data.kind : 'php' });
    if (!result.ok) for (const [path, messages] of Object.entries(result.fieldErrors)) for (const message of messages) fail(path, message);
    if (!id.success || !result.ok) return z.NEVER;
    // Roles per server come from a select named role-<serverId>; both roles unless narrowed.
    const placements = f.serverIds.map((serverId) => ({ serverId, roles: rolesFrom(f[`role-${serverId}`]) }));
    return { name: id.data.name, config: result.config, placements };
  });

export function rolesFrom(value: unknown): ('web' | 'worker')[] {
  if (value === 'web' || value === 'worker') return [value];
  return ['web', 'worker'];
}
