/**
 * Test support (not used by the panel): the real test hosts of scripts/testbed, read from
 * $BERTH_TESTBED_DIR/hosts.json. Without that file every caller FAILS with a message that
 * says how to bring the test bed up: an integration test must never pass by skipping.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServerTarget } from '@/lib/remote/connection';

export interface TestHost {
  name: string;
  address: string;
  port: number;
  user: string;
  hostKeyFingerprint: string;
  privateKeyPath: string;
}

/**
 * The test bed this process uses. scripts/test.mjs brings up one bed per integration worker and
 * lists them in BERTH_TESTBED_DIRS; each vitest worker (VITEST_POOL_ID 1, 2…) takes its own, so
 * two files never share a host (one re-keys a host, others write nginx configs that fail `nginx -t`
 * on purpose). Otherwise: BERTH_TESTBED_DIR, or the default.
 */
export function testbedDir(): string {
  const beds = (process.env.BERTH_TESTBED_DIRS ?? '').split(':').filter(Boolean);
  const pool = Number(process.env.VITEST_POOL_ID ?? 1);
  if (beds.length > 0) return beds[(pool - 1) % beds.length]!;
  return process.env.BERTH_TESTBED_DIR || '/var/lib/berth-testbed';
}

/** The environment for scripts/testbed/*.sh, so they act on this process's bed. */
export const bedEnv = (): NodeJS.ProcessEnv => ({ ...process.env, BERTH_TESTBED_DIR: testbedDir() });

/** Pebble runs once, beside the default bed (Playwright's; its resolver's default answer is that bed's host 1). */
export const pebbleBedDir = (): string => process.env.BERTH_TESTBED_DIR || '/var/lib/berth-testbed';

export function loadTestHosts(): TestHost[] {
  const file = path.join(testbedDir(), 'hosts.json');
  if (!existsSync(file)) {
    throw new Error(
      `The test bed is not up: ${file} does not exist. Run \`sudo bash scripts/testbed/up.sh\` first ` +
        '(or set BERTH_TESTBED_DIR to where it wrote hosts.json).',
    );
  }
  const hosts = (JSON.parse(readFileSync(file, 'utf8')) as { hosts?: TestHost[] }).hosts ?? [];
  if (hosts.length < 2) throw new Error(`${file} lists ${hosts.length} test hosts; expected 2`);
  return hosts;
}

export function testHost(name: 'berth-host-1' | 'berth-host-2'): TestHost {
  const host = loadTestHosts().find((h) => h.name === name);
  if (!host) throw new Error(`the test bed has no host named ${name}`);
  return host;
}

let counter = 0;
/** A target for a test host; each call gets its own server id, so handshake counts start at 0. */
export function testTarget(host: TestHost, overrides: Partial<ServerTarget> = {}): ServerTarget {
  return {
    id: `test-${process.pid}-${++counter}`,
    name: host.name,
    host: host.address,
    port: host.port,
    username: host.user,
    privateKey: readFileSync(host.privateKeyPath, 'utf8'),
    hostKeyFingerprint: host.hostKeyFingerprint,
    ...overrides,
  };
}
