import { z } from 'zod';
import { backupPoliciesInput } from './backup-policy';
import { appPathInput, argvInput, branchInput, domainInput, repositoryInput, slugInput } from './app-fields';
import { cronScheduleProblem } from './cron-schedule';
import { poolInput } from './fpm-pool';
import { snippetStructureProblem } from './nginx-snippet';
import { multiLine, singleLine, trimmedLine } from './text';

/**
 * An app as Berth configures it on its servers: the pure model every layer shares (the forms,
 * the stored config in db/schema/apps.ts, the recipes). The schema is the edge validation; the
 * renderers check their values again (lib/templates/directive.ts).
 */

export const workerInput = z.object({
  name: singleLine(24).regex(/^[a-z][a-z0-9-]{0,23}$/, 'A worker name is lowercase letters, digits and dashes'),
  argv: argvInput,
  processes: z.coerce.number().int().min(1).max(64),
  stopWaitSeconds: z.coerce.number().int().min(1).max(3600).default(60),
  /** The worker servers it runs on; empty means every server with the worker role. */
  serverIds: z.array(z.uuid()).max(100).default([]),
});

export const cronLineInput = z.object({
  schedule: singleLine(200).superRefine((s, ctx) => {
    const problem = cronScheduleProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  argv: argvInput,
});

export const healthCheckInput = z
  .object({
    path: trimmedLine(250)
      .regex(/^\/[A-Za-z0-9._~/?=&%-]{0,200}$/, 'A health check path starts with / and has no spaces')
      .default('/'),
    expectStatus: z.coerce.number().int().min(100).max(599).default(200),
    /** How long a release waits for the expected answer on each web server before it rolls back. */
    timeoutS: z.coerce.number().int().min(1).max(300).default(15),
  })
  .prefault({});

/**
 * Extra nginx directives inside the app's server block. Raw nginx by design (like Forge's editor);
 * admins only, and `nginx -t` judges it before it goes live. Braces must balance so that the
 * snippet cannot close the server block and open its own.
 */
export const nginxSnippetInput = multiLine(8000)
  .refine((s) => !s.includes('\r'), 'No carriage-return characters')
  .superRefine((s, ctx) => {
    const problem = snippetStructureProblem(s); // braces as nginx's lexer reads them (comments, quotes)
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .default('');

export const tlsInput = z
  .object({
    /** none: HTTP only; acme: certbot HTTP-01 on each web server; uploaded: a sealed certificate and key. */
    mode: z.enum(['none', 'acme', 'uploaded']).default('none'),
    acmeEmail: singleLine(254).pipe(z.email('Enter an email address for the ACME account')).optional(),
  })
  .prefault({});

export const dataServicesInput = z
  .object({
    postgres: z.boolean().default(false),
    redis: z.boolean().default(false),
  })
  .prefault({});

/** A command run during a release; `serverId` limits it to one server (e.g. migrations run once). */
export const hookInput = z.object({
  argv: argvInput,
  serverId: z.uuid().optional(),
  /** Runs after a pre-migration database snapshot, restored if the hook fails. */
  migration: z.boolean().default(false),
});

/** How a release is built and switched (Envoyer's deployment hooks, in order). */
export const releaseInput = z
  .object({
    /** In the new release directory, as the app user, on every server (e.g. composer install --no-dev). */
    buildCommands: z.array(argvInput).max(20).default([]),
    buildTimeoutS: z.coerce.number().int().min(10).max(3600).default(600),
    /** On every server, after the build (e.g. php artisan config:cache). */
    releaseCommands: z.array(argvInput).max(20).default([]),
    hooks: z.array(hookInput).max(20).default([]),
    /** Must succeed on every server before the switch (e.g. php artisan about). */
    preSwitchCheck: argvInput.optional(),
    /** Before any switch, the health path is asked of the new release through the app's own pool (release/gate.ts). */
    gate: z.boolean().default(true),
    /** After the switch: seconds during which a jump in the 5xx rate rolls the release back (0: off; releases/watch.ts). */
    watchWindowS: z.coerce.number().int().min(0).max(3600).default(120),
    /** How many percentage points above the rate before the release the new release's 5xx share may rise. */
    watchErrorRisePct: z.coerce.number().int().min(1).max(100).default(10),
    /** Replaces `supervisorctl restart` of the app's programs (e.g. php artisan queue:restart). */
    restartCommand: argvInput.optional(),
    keepReleases: z.coerce.number().int().min(2).max(50).default(5),
  })
  .prefault({});

/** What follows an env push (lib/recipes/env-push): commands in current/ as the app user, then restarts. */
export const envInput = z
  .object({
    /** e.g. php artisan config:cache: argv only, no shell. */
    postPushCommands: z.array(argvInput).max(20).default([]),
    /** Restart queue workers and, for process apps, the live web process (zero-downtime, as a release does). */
    restartAfterPush: z.boolean().default(true),
  })
  .prefault({});

export const appConfigInput = z.object({
  slug: slugInput,
  kind: z.enum(['php', 'process', 'static']),
  domains: z
    .array(domainInput)
    .min(1, 'Add at least one domain')
    .max(20)
    .refine((d) => new Set(d).size === d.length, 'A domain is listed twice'),
  phpVersion: singleLine(10)
    .regex(/^\d\.\d$/, 'A PHP version looks like 8.2')
    .default('8.2'),
  webRoot: appPathInput.default('public'),
  /** Process apps: the port their command listens on ($PORT): this one and the next, one per release slot (web-slots.ts). */
  port: z.coerce.number().int().min(1024).max(65534).optional(),
  processArgv: argvInput.optional(),
  pool: poolInput,
  workers: z
    .array(workerInput)
    .max(20)
    .default([])
    .refine((w) => new Set(w.map((x) => x.name)).size === w.length, 'Two workers have the same name')
    // A process app's own command runs as the supervisor programs web-a and web-b ("web" before them).
    .refine((w) => !w.some((x) => ['web', 'web-a', 'web-b'].includes(x.name)), 'The worker names "web", "web-a" and "web-b" are reserved'),
  scheduler: z.boolean().default(false),
  cron: z.array(cronLineInput).max(50).default([]),
  sharedPaths: z.array(appPathInput).max(50, 'At most 50 shared paths').default([]),
  writablePaths: z.array(appPathInput).max(50, 'At most 50 writable paths').default([]),
  repository: repositoryInput.optional(),
  branch: branchInput,
  healthCheck: healthCheckInput,
  /** Process apps: supervisor's restart policy, and an address-space cap where the system allows. */
  restart: z.enum(['always', 'on-failure', 'never']).default('always'),
  memoryLimitMb: z.coerce.number().int().min(32).max(65536).optional(),
  nginxSnippet: nginxSnippetInput,
  tls: tlsInput,
  dataServices: dataServicesInput,
  release: releaseInput,
  env: envInput,
  /** Backup policies (lib/model/backup-policy.ts); each names a fleet-wide target. */
  backups: backupPoliciesInput,
});

export type AppConfig = z.output<typeof appConfigInput>;
