import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tasksOf } from '@/db/queries/runs';
import { insertUser } from '@/db/queries/users';
import { webSlots } from '@/lib/plan/web-slots';
import { loadHosts } from '@/test-support/testbed-load';
import { releaseBed, type BedHost } from '@/test-support/testbed-release';
import { cmd } from '@/lib/remote/command';
import type { JobPayload } from '@/lib/jobs/queue';
import { requestEnvPush } from './push';
import { runEnvPush } from './push-job';
import { saveEnv } from './store';

// A process app reads .env once, at start (test-support/fixtures/process-app answers /env-greeting from
// it). A push replaces its web process the way a release does: the idle slot starts on the
// current release, nginx moves over, the old slot stops. Under load, not one request may fail.
const SLUG = 'envproc';
const LONG = 120_000;
let bed: Awaited<ReturnType<typeof releaseBed>>;
let userId: number;

beforeAll(async () => {
  bed = await releaseBed(
    SLUG,
    { kind: 'process', port: 9471, processArgv: ['python3', 'server.py'], healthCheck: { path: '/health', timeoutS: 5 } },
    'process-app',
  );
  userId = (await insertUser(bed.t.db, { email: 'envproc@berth.test', name: 'Env', role: 'deployer', passwordHash: 'x' })).id;
}, LONG);
afterAll(async () => bed && (await bed.cleanup()), LONG);

function envGreeting(h: BedHost): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: h.address, port: 80, path: '/env-greeting', headers: { host: `${SLUG}.test` }, timeout: 5000, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
  });
}
const liveSlot = (h: BedHost) =>
  h.transport.exec(cmd('cat', webSlots(SLUG).livePath)).then((r) => r.stdout.match(/^# live slot: ([ab])$/m)?.[1]);

async function push() {
  const sent: JobPayload[] = [];
  const request = await requestEnvPush(bed.t.db, bed.app.id, userId, {
    onlyPending: false,
    enqueue: async (p) => {
      sent.push(p);
      return 'job';
    },
  });
  if (sent[0]?.kind === 'env-push') await runEnvPush(bed.t.db, bed.ring, sent[0], new AbortController().signal);
  return request;
}

describe('env push to a process app', () => {
  it(
    'a deploy starts the process with the saved .env',
    async () => {
      await saveEnv(bed.t.db, bed.ring, bed.app.id, { GREETING: 'first' }, { source: 'edit', createdBy: userId });
      expect(await bed.release()).toMatchObject({ status: 'succeeded', envRevision: 1 });
      for (const h of bed.hosts) expect(await envGreeting(h)).toBe('greeting: first\n');
    },
    LONG,
  );

  it(
    'a push restarts the live process through the other slot, with no failed request',
    async () => {
      await saveEnv(bed.t.db, bed.ring, bed.app.id, { GREETING: 'pushed' }, { source: 'edit', createdBy: userId });
      const before = await Promise.all(bed.hosts.map(liveSlot));
      const load = loadHosts(
        bed.hosts.map((h) => h.address),
        `${SLUG}.test`,
        { clients: 2, capMs: 60_000 },
      );
      await new Promise((r) => setTimeout(r, 300));
      const request = await push();
      await new Promise((r) => setTimeout(r, 1000));
      const loads = await load.stop();
      for (const [address, l] of loads) {
        console.log(`push under load: ${address}: ${l.requests} requests, ${l.failures.length} failed`);
        expect(l.failures, address).toEqual([]);
        expect(l.requests, address).toBeGreaterThan(20);
      }
      for (const [i, h] of bed.hosts.entries()) {
        expect(await envGreeting(h)).toBe('greeting: pushed\n');
        expect(await liveSlot(h)).not.toBe(before[i]);
        expect(await bed.current(h)).toBe('releases/1');
      }
      const tasks = await tasksOf(bed.t.db, request.runs[0]!.runId);
      expect(tasks.map((t) => [t.name, t.status])).toEqual([
        ['write-env', 'changed'],
        ['post-push', 'changed'],
      ]);
      expect(tasks[1]!.summary).toMatch(/^restarted the app process: berth-envproc_web-[ab] on releases\/1, port 947\d/);
    },
    LONG,
  );
});
