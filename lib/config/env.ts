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
};

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
  };
}
