import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, type BerthEnv } from '@/lib/config/env';
import { generateKeyText, KeyRingError, parseKeyRing, type KeyRing } from '@/lib/crypto';

export type Secrets = { keyRing: KeyRing; authSecret: string; warnings: string[] };

const MIN_AUTH_SECRET = 32;
const WHY_BACK_UP: Record<string, string> = {
  BERTH_MASTER_KEY: 'Back it up: without it, the sealed secrets in the database cannot be opened.',
  AUTH_SECRET: 'Replacing it signs everyone out.',
};

/**
 * Reads a secret from the environment, or — only for the embedded default — from a file in
 * the data directory, generated with mode 0600 on first start. There is never a built-in value.
 */
function secretFromEnvOrFile(
  env: BerthEnv,
  name: string,
  value: string | undefined,
  file: string,
  generate: () => string,
  warnings: string[],
): string {
  if (value) return value;
  if (env.databaseUrl) {
    throw new ConfigError(`${name} is required when DATABASE_URL is set (no key is generated for an external database).`);
  }
  const filePath = path.join(env.dataDir, file);
  if (fs.existsSync(filePath)) return fs.readFileSync(filePath, 'utf8').trim();
  // A new key beside an existing database would lock its sealed data away for good.
  if (fs.existsSync(path.join(env.dataDir, 'pglite'))) {
    throw new ConfigError(`${filePath} is missing but ${env.dataDir} already holds a database. Restore the file or set ${name}.`);
  }
  fs.writeFileSync(filePath, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
  warnings.push(`${name} was not set: generated ${filePath} (mode 0600). ${WHY_BACK_UP[name] ?? ''}`);
  return fs.readFileSync(filePath, 'utf8').trim();
}

export const MASTER_KEY_FILE = 'master.key';

/** Where the key ring comes from: BERTH_MASTER_KEY, else (embedded default only) `<dataDir>/master.key`. */
export function masterKeySource(env: BerthEnv): { kind: 'env' } | { kind: 'file'; path: string } {
  return env.masterKeyText || env.databaseUrl ? { kind: 'env' } : { kind: 'file', path: path.join(env.dataDir, MASTER_KEY_FILE) };
}

/** The master key ring alone (the panel's start-up and the rotate-key command share it). */
export function resolveKeyRing(env: BerthEnv, warnings: string[] = []): KeyRing {
  const keyText = secretFromEnvOrFile(env, 'BERTH_MASTER_KEY', env.masterKeyText, MASTER_KEY_FILE, () => generateKeyText(1), warnings);
  try {
    return parseKeyRing(keyText);
  } catch (err) {
    if (err instanceof KeyRingError) throw new ConfigError(`The master key is unusable: ${err.message}`);
    throw err;
  }
}

export function resolveSecrets(env: BerthEnv): Secrets {
  const warnings: string[] = [];
  const keyRing = resolveKeyRing(env, warnings);
  const authSecret = secretFromEnvOrFile(
    env,
    'AUTH_SECRET',
    env.authSecret,
    'auth.secret',
    () => randomBytes(32).toString('base64url'),
    warnings,
  );
  if (authSecret.length < MIN_AUTH_SECRET) {
    throw new ConfigError(`AUTH_SECRET must be at least ${MIN_AUTH_SECRET} characters (try: openssl rand -base64 32).`);
  }
  return { keyRing, authSecret, warnings };
}
