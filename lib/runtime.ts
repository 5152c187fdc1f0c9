import type { DbClient } from '@/db/client';
import type { BerthEnv } from '@/lib/config/env';
import type { KeyRing } from '@/lib/crypto';
import type { Jobs } from '@/lib/jobs/queue';

/**
 * What start-up (lib/boot) prepared for request handlers. It lives on globalThis because
 * the custom server and Next's bundled route code load separate copies of these modules
 * in one process; the raw database client, the key ring and the secrets are shared through here.
 */
export type Runtime = {
  env: BerthEnv;
  client: DbClient;
  keyRing: KeyRing;
  authSecret: string;
  jobs: Pick<Jobs, 'send'>;
};

const slot = globalThis as typeof globalThis & { __berthRuntime?: Runtime };

export function setRuntime(runtime: Runtime | undefined): void {
  slot.__berthRuntime = runtime;
}

export function getRuntime(): Runtime {
  const runtime = slot.__berthRuntime;
  if (!runtime) throw new Error('Berth has not booted: start it with `npm start` (scripts/server.ts), not `next start`.');
  return runtime;
}

/** Queues durable work through the booted job queue (what actions and API operations hand to domain code). */
export function enqueue(payload: Parameters<Jobs['send']>[0], key: string): Promise<string> {
  return getRuntime().jobs.send(payload, key);
}
