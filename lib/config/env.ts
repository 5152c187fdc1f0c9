import path from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable Berth reads, validated once at start-up.
 * The README's configuration table mirrors this schema.
 */
const envSchema = z.object({
  BERTH_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  BERTH_MASTER_KEY: z.string().optional(),
  AUTH_SECRET: z.string().optional(),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  BERTH_URL: z.url().optional(),
  BERTH_TRUST_PROXY: z.enum(['0', '1']).default('0'),
  /** The ACME directory certbot uses on the servers (HTTP-01); a test or internal CA (Pebble, step-ca) goes here. */
  BERTH_ACME_DIRECTORY: z.url().default('https://acme-v02.api.letsencrypt.org/directory'),
  /** A CA bundle ON THE SERVERS that trusts that ACME server's own HTTPS (certbot's REQUESTS_CA_BUNDLE); public CAs need none. */
  BERTH_ACME_CA_BUNDLE: z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]+$/, 'BERTH_ACME_CA_BUNDLE must be an absolute path of letters, digits, dots, dashes and underscores')
    .optional(),
  /** A file that gets every command line sent to a server (not stdin, not uploads): for audits and the canary test. */
  BERTH_COMMAND_TRACE: z.string().min(1).optional(),
  /** Turns on GET /api/metrics (Prometheus), scraped with `Authorization: Bearer <token>`; unset: the endpoint answers 404. */
  BERTH_METRICS_TOKEN: z
    .string()
    .min(32, 'BERTH_METRICS_TOKEN must be at least 32 characters (e.g. openssl rand -hex 32)')
    .regex(/^[\x21-\x7e]+$/, 'BERTH_METRICS_TOKEN must be printable ASCII without spaces (it travels in an HTTP header)')
    .optional(),
});

export type BerthEnv = {
  dataDir: string;
  databaseUrl: string | undefined;
  masterKeyText: string | undefined;
  authSecret: string | undefined;
  host: string;
  port: number;
  publicUrl: string;
  trustProxy: boolean;
  acme: AcmeSettings;
  /** Absolute path of the command trace file, or undefined (off). */
  commandTrace: string | undefined;
  /** The bearer token of /api/metrics, or undefined (the endpoint is off). */
  metricsToken: string | undefined;
};

export type AcmeSettings = { directory: string; caBundle: string | undefined };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function readEnv(source: Record<string, string | undefined> = process.env): BerthEnv {
  const clean = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(clean);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    dataDir: path.resolve(e.BERTH_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    masterKeyText: e.BERTH_MASTER_KEY,
    authSecret: e.AUTH_SECRET,
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.BERTH_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, ''),
    trustProxy: e.BERTH_TRUST_PROXY === '1',
    acme: { directory: e.BERTH_ACME_DIRECTORY, caBundle: e.BERTH_ACME_CA_BUNDLE },
    commandTrace: e.BERTH_COMMAND_TRACE && path.resolve(e.BERTH_COMMAND_TRACE),
    metricsToken: e.BERTH_METRICS_TOKEN,
  };
}
