import { z } from 'zod';
import { multiLine, singleLine, trimmedLine } from '@/lib/model/text';
import { appConfigInput, hookInput, releaseInput, workerInput } from '@/lib/model/app-config';
import { targetSettingsInput } from '@/lib/model/backup-policy';
import { CHANNEL_KINDS, NOTIFY_EVENTS } from '@/lib/model/notifications';
import { isRef, PLAIN_SECRET } from './references';

/**
 * The fleet as a definition file (`apiVersion: berth/v1`): the pure, versioned model every
 * import, export and plan shares. Servers are keyed by name and apps by slug; inside the file
 * apps name servers, never database ids, so a file means the same thing in any panel.
 *
 * Secrets never sit in a file. Where one belongs, the file holds a reference, `{ secret: path }`,
 * to the value the panel keeps sealed at that path (lib/spec/references.ts). Apps reuse the
 * app model (lib/model/app-config.ts) with server names in place of ids.
 */
export const API_VERSION = 'berth/v1' as const;

export type SecretRef = { secret: string };
/** `{ secret: path }`; a plain value here is refused with a message that says what to write instead. */
export const secretRef = z.custom<SecretRef>().superRefine((v, ctx) => {
  if (typeof v === 'string' || typeof v === 'number') ctx.addIssue({ code: 'custom', message: PLAIN_SECRET });
  else if (!isRef(v) || Object.keys(v).length !== 1 || v.secret.length > 200)
    ctx.addIssue({ code: 'custom', message: 'Expected a reference: { secret: <reference> }' });
});

const nameKey = trimmedLine(60).regex(/^[a-z][a-z0-9-]{0,39}$/, 'Use 1–40 lowercase letters, digits and dashes, starting with a letter');
const fingerprint = singleLine(100).regex(
  /^SHA256:[A-Za-z0-9+/]{43}$/,
  'A host key fingerprint looks like SHA256: and 43 base64 characters',
);

export const serverSpec = z.object({
  name: nameKey,
  host: trimmedLine(253).min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: singleLine(32).regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'Enter a valid unix user name'),
  /** The address nginx listens on for this server's sites; absent = all addresses. */
  bindAddress: singleLine(100).optional(),
  phpVersions: z
    .array(singleLine(10).regex(/^\d\.\d$/, 'A PHP version looks like 8.2'))
    .min(1)
    .max(20)
    .default(['8.2']),
  /** The pinned host key; absent = not pinned yet (nothing runs there until an admin pins it). */
  hostKey: fingerprint.optional(),
  sshKey: secretRef,
});

const roleList = z
  .array(z.enum(['web', 'worker']))
  .min(1, 'Give the server at least one role: web or worker')
  .max(2)
  .refine((r) => new Set(r).size === r.length, 'A role is listed twice');

export const placementSpec = z.object({ server: nameKey, roles: roleList });

export const workerSpec = workerInput.omit({ serverIds: true }).extend({
  /** The worker servers it runs on; empty means every server with the worker role. */
  servers: z.array(nameKey).max(100).default([]),
});

export const hookSpec = hookInput.omit({ serverId: true }).extend({
  /** Runs on this server only (e.g. migrations once); absent = every server. */
  server: nameKey.optional(),
});

export const appSpec = appConfigInput.omit({ workers: true, release: true }).extend({
  name: trimmedLine(100).min(1),
  servers: z.array(placementSpec).min(1, 'Place the app on at least one server').max(100),
  workers: z
    .array(workerSpec)
    .max(20)
    .default([])
    .refine((w) => new Set(w.map((x) => x.name)).size === w.length, 'Two workers have the same name'),
  release: releaseInput
    .unwrap()
    .omit({ hooks: true })
    .extend({ hooks: z.array(hookSpec).max(20).default([]) })
    .prefault({}),
});

/** What both kinds of monitor have. */
const monitorBase = {
  name: trimmedLine(100).min(1),
  intervalS: z
    .number()
    .int()
    .min(10)
    .max(31 * 86_400)
    .default(60),
  paused: z.boolean().default(false),
};

export const monitorSpec = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('http'),
    ...monitorBase,
    url: singleLine(2000).min(1),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    timeoutMs: z.number().int().min(1000).max(60_000).default(10_000),
    expectedStatus: singleLine(200).default('200-299'),
    keyword: singleLine(200).optional(),
    retries: z.number().int().min(0).max(10).default(0),
  }),
  z.object({
    kind: z.literal('heartbeat'),
    ...monitorBase,
    graceS: z.number().int().min(0).max(86_400).default(0),
    /** The ping URL's token: a reference, since whoever holds it can mark the job as alive. */
    token: secretRef,
  }),
]);

/** A channel's settings: plain values, or references for the fields that are secrets (lib/notify/fields.ts). */
export const channelSpec = z.object({
  name: trimmedLine(80).min(1),
  kind: z.enum(CHANNEL_KINDS),
  events: z
    .array(z.enum(NOTIFY_EVENTS))
    .min(1, 'Pick at least one event')
    .max(NOTIFY_EVENTS.length * 2),
  enabled: z.boolean().default(true),
  settings: z.record(
    singleLine(40),
    z.union([multiLine(5000), z.number(), z.custom<SecretRef>((v) => isRef(v) && Object.keys(v).length === 1)]),
  ),
});

/**
 * Where backups go (lib/model/backup-policy.ts). The credential is a reference; the repository key
 * (the backups' encryption key) is the panel's own and never in a file: a new panel makes one.
 */
export const backupTargetSpec = z
  .object({
    name: nameKey,
    settings: targetSettingsInput,
    credential: secretRef.optional(),
  })
  .superRefine((t, ctx) => {
    if (t.settings.kind !== 'local' && !t.credential)
      ctx.addIssue({ code: 'custom', path: ['credential'], message: 'An S3 or SFTP target needs credential: { secret: <reference> }' });
  });

/** A whole fleet. A section that is present is the whole truth for its kind (absent ones are left alone). */
export const fleetSpec = z.object({
  apiVersion: z.literal(API_VERSION, `apiVersion must be ${API_VERSION}`),
  kind: z.literal('Fleet'),
  servers: z.array(serverSpec).max(500).optional(),
  apps: z.array(appSpec).max(1000).optional(),
  monitors: z.array(monitorSpec).max(2000).optional(),
  channels: z.array(channelSpec).max(200).optional(),
  backupTargets: z.array(backupTargetSpec).max(100).optional(),
});

/** One app: created or updated, never anything removed (an app's own export). */
export const appDocument = z.object({
  apiVersion: z.literal(API_VERSION, `apiVersion must be ${API_VERSION}`),
  kind: z.literal('App'),
  app: appSpec,
});

export const definition = z.discriminatedUnion('kind', [fleetSpec, appDocument]);

export type ServerSpec = z.output<typeof serverSpec>;
export type AppSpec = z.output<typeof appSpec>;
export type MonitorSpec = z.output<typeof monitorSpec>;
export type ChannelSpec = z.output<typeof channelSpec>;
export type BackupTargetSpec = z.output<typeof backupTargetSpec>;
export type FleetSpec = z.output<typeof fleetSpec>;
export type AppDocument = z.output<typeof appDocument>;
export type Definition = z.output<typeof definition>;
