/**
 * Which of an app's env values the logs hide. A job acting for an app (release, configure, env
 * push, snapshot restore) gives them to its transports, so whatever a build command, hook,
 * post-push command or app log tail prints, and whatever a task logs or throws, is stored with
 * the values replaced by [redacted] (lib/remote/redact.ts, lib/recipes/runner.ts).
 *
 * Short values are not hidden: "1", "true", "local", "5432" occur everywhere in ordinary output,
 * and hiding them would shred every log while protecting nothing (such a value is no secret).
 * - Keys that name a credential (…PASSWORD, …SECRET, …TOKEN, …KEY, …SALT, …DSN): hidden from
 *   the Redactor's own minimum, 4 characters, like the server's key and generated passwords.
 * - Every other key: hidden from 8 characters (MIN_ENV_SECRET_LENGTH).
 * - Never hidden: values Berth manages that are not secret (DB_HOST, DB_PORT, DB_DATABASE, …:
 *   names derived from the slug), and values equal to the app's slug or one of its domains,
 *   which Berth prints itself in paths and health checks.
 * The secret pattern check of lib/remote/redact.ts (KEY=value for credential-like keys) applies
 * on top, whatever the length.
 */
import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { envPushStates } from '@/db/queries/env-revisions';
import type { App } from '@/db/schema';
import { SECRET_KEYS } from '@/lib/model/data-names';
import type { KeyRing } from '@/lib/crypto';
import { MIN_SECRET_LENGTH } from '@/lib/remote/redact';
import { serializeDotenv } from '@/lib/model/dotenv';
import { currentEnv, openEnvRevision, type EnvSnapshot } from './store';

export const MIN_ENV_SECRET_LENGTH = 8;
const CREDENTIAL_KEY = /PASS|PWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|SALT|DSN/i;

/** The value as shared/.env holds it (quoted, \n \" \$ escaped): `cat .env` prints this form. */
function fileForm(key: string, value: string): string | null {
  try {
    const line = serializeDotenv({ [key]: value }).slice(key.length + 1, -1);
    const quoted = line.length >= 2 && (line[0] === '"' || line[0] === "'") && line.at(-1) === line[0];
    return quoted ? line.slice(1, -1) : line;
  } catch {
    return null; // a value the file cannot hold is never written
  }
}

/** The strings to hide for one environment: each secret value and its .env file form. */
export function envSecrets(env: Pick<EnvSnapshot, 'values'> & { managed?: string[] }, publicValues: Iterable<string> = []): string[] {
  const managed = new Set(env.managed ?? []);
  const open = new Set(publicValues);
  const out = new Set<string>();
  for (const [key, value] of Object.entries(env.values)) {
    if (managed.has(key) && !SECRET_KEYS.has(key)) continue;
    if (open.has(value)) continue;
    if (value.length < (CREDENTIAL_KEY.test(key) ? MIN_SECRET_LENGTH : MIN_ENV_SECRET_LENGTH)) continue;
    out.add(value);
    const form = fileForm(key, value);
    if (form && form !== value) out.add(form);
  }
  return [...out];
}

/**
 * Everything of the app's environment that may be on its servers or in their output: the saved
 * values, the revision each server has in shared/.env (a push may be pending), and `revisions`
 * (the one a job is about to write). Opened once per job; the result only ever feeds redaction.
 */
export async function appEnvSecrets(
  db: Db,
  ring: KeyRing,
  app: Pick<App, 'id' | 'config'>,
  revisions: Array<number | null | undefined> = [],
): Promise<string[]> {
  const current = await currentEnv(db, ring, app.id);
  const onServers = (await envPushStates(db, app.id)).map((s) => s.envRevision);
  const numbers = new Set([...revisions, ...onServers].filter((n): n is number => !!n && n !== current.revision));
  const older = await Promise.all([...numbers].map((n) => openEnvRevision(db, ring, app.id, n)));
  const publicValues = [app.config.slug, ...app.config.domains];
  return [...new Set([current, ...older].flatMap((env) => envSecrets(env, publicValues)))];
}

/** For startQueuedRun: the secrets of the app a run acts for (none for a run on a server alone). */
export function runEnvSecrets(db: Db, ring: KeyRing): (run: { appId: string | null }) => Promise<string[]> {
  return async (run) => {
    const app = run.appId ? await findApp(db, run.appId) : undefined;
    return app ? appEnvSecrets(db, ring, app) : [];
  };
}
