import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, tasksOf } from '@/db/queries/runs';
import { pendingOnServer } from '@/lib/apps/pending-changes';
import { configureRecipe, type ConfigureContext } from '@/lib/recipes/configure';
import { webSlots, type Slot } from '@/lib/plan/web-slots';
import { runRecipe } from '@/lib/jobs/runner';
import { cmd } from '@/lib/remote/command';
import { countBodies, loadHosts, taskTimings, type HostLoad } from '@/test-support/testbed-load';
import { releaseBed, type BedHost } from '@/test-support/testbed-release';

// A process app (test-support/fixtures/process-app, python3) on both test hosts, released and rolled back
// while two clients per host keep requesting it through nginx: not one request may fail.
const SLUG = 'zdproc';
const s = webSlots(SLUG);
let bed: Awaited<ReturnType<typeof releaseBed>>;
const sha: string[] = [];
let firstId: string;
const LONG = 120_000;

beforeAll(async () => {
  const config = { kind: 'process', port: 9461, processArgv: ['python3', 'server.py'], healthCheck: { path: '/health', timeoutS: 4 } };
  bed = await releaseBed(SLUG, config, 'process-app');
}, LONG);
afterAll(async () => bed && (await bed.cleanup()), LONG);

const liveSlot = (h: BedHost) => h.transport.exec(cmd('cat', s.livePath)).then((r) => r.stdout.match(/^# live slot: ([ab])$/m)?.[1]);
const slotStatus = (h: BedHost, slot: Slot) =>
  h.transport
    .exec(cmd('supervisorctl', 'status', `${s.program(slot)}:*`), { okExitCodes: [0, 3, 4] })
    .then((r) => r.stdout.match(/\s(RUNNING|STOPPED|FATAL|EXITED|BACKOFF|STARTING)\s/)?.[1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function editServer(from: string, to: string) {
  const text = fs.readFileSync(path.join(bed.repo.dir, 'server.py'), 'utf8');
  if (!text.includes(from)) throw new Error(`server.py has no ${JSON.stringify(from)}`);
  return { 'server.py': text.replace(from, to) };
}
/** The fixture repo helper only adds files; a removal is staged by its `git add -A`. */
const removeFile = (name: string) => {
  fs.rmSync(path.join(bed.repo.dir, name));
  return bed.repo.commit({}, `remove ${name}`);
};

/** Runs a release under load on both hosts, and keeps the load on for 1.5 s after it returns. */
async function underLoad<T extends { id: string; status: string; failedStep: string | null }>(label: string, fn: () => Promise<T>) {
  const load = loadHosts(
    bed.hosts.map((h) => h.address),
    `${SLUG}.test`,
    { clients: 2, capMs: 180_000 }, // a bound, not a window: a loaded machine's release may outlast 30 s
  );
  await sleep(300);
  const started = Date.now();
  const result = await fn();
  const finishedAt = Date.now();
  // Load stays on for 1.5 s after the release returns, and until each host answered a few
  // times since (on a loaded machine 1.5 s may bring none), so "only the new" is proved.
  await sleep(1500);
  await load.answersAfter(finishedAt, 5);
  const loads = await load.stop();
  for (const [address, l] of loads) {
    console.log(
      `${label} (${finishedAt - started} ms): ${address}: ${l.requests} requests, ${l.failures.length} failed, answers by release ${JSON.stringify(countBodies(l))}`,
    );
  }
  console.log(
    `${label}: ${result.status}${result.failedStep ? ` at ${result.failedStep}` : ''}; ${await taskTimings(bed.t.db, result.id)}`,
  );
  return { result, loads, finishedAt };
}

/** No failure, nothing but `allowed` releases answered, and only `after` once the release had returned. */
function expectServed(loads: Map<string, HostLoad>, finishedAt: number, allowed: string[], after: string) {
  for (const [address, l] of loads) {
    expect(l.failures, address).toEqual([]);
    expect(l.requests, address).toBeGreaterThan(20);
    expect(new Set(l.answers.map((a) => a.body)), address).toEqual(
      new Set(l.answers.map((a) => a.body).filter((b) => allowed.some((id) => b === `fixture release ${id}`))),
    );
    const late = l.answers.filter((a) => a.at > finishedAt).map((a) => a.body);
    expect(late.length, address).toBeGreaterThan(0);
    expect(new Set(late), address).toEqual(new Set([`fixture release ${after}`]));
  }
}

const configureCtx = (h: BedHost): ConfigureContext => ({
  app: bed.config,
  server: { id: h.server.id, name: h.server.name, bindAddress: h.server.bindAddress, phpVersions: h.server.phpVersions },
  roles: ['web', 'worker'],
  reload: new Set(),
});

async function configureAgain(h: BedHost) {
  const run = await createRun(bed.t.db, { serverId: h.server.id, recipe: 'configure' });
  expect(await runRecipe(bed.t.db, run.id, configureRecipe, configureCtx(h), h.transport, new AbortController().signal)).toEqual({
    ok: true,
  });
  return Object.fromEntries((await tasksOf(bed.t.db, run.id)).map((x) => [x.name, x.status]));
}

describe('zero-downtime releases of a process app on two servers', () => {
  it(
    'deploys: the new process starts in the idle slot, nginx moves to it, the old slot stops; configure keeps it',
    async () => {
      const first = await bed.release('main');
      expect(first).toMatchObject({ status: 'succeeded', number: 1 });
      sha.push(first.sha!);
      firstId = first.id;
      for (const h of bed.hosts) {
        await expect.poll(() => bed.served(h)).toBe(`fixture release ${sha[0]}\n`);
        expect([await liveSlot(h), await slotStatus(h, 'b'), await slotStatus(h, 'a')]).toEqual(['b', 'RUNNING', 'STOPPED']);
        // The pending view reads the live slot from the server too: nothing to change.
        const pending = await pendingOnServer(h.transport, configureCtx(h));
        expect(pending.filter((f) => f.status !== 'same')).toEqual([]);
        expect(await configureAgain(h)).toMatchObject({ vhost: 'unchanged', workers: 'unchanged' });
        expect(await liveSlot(h)).toBe('b');
      }
    },
    LONG,
  );

  it(
    'deploys again under load: no request fails, each answer is the old or the new release, then only the new',
    async () => {
      sha.push(bed.repo.commit({ 'two.txt': 'two\n' }, 'second'));
      const { result, loads, finishedAt } = await underLoad('deploy', () => bed.release('main'));
      expect(result).toMatchObject({ status: 'succeeded', number: 2, sha: sha[1] });
      expectServed(loads, finishedAt, [sha[0]!, sha[1]!], sha[1]!);
      for (const h of bed.hosts)
        expect([await liveSlot(h), await slotStatus(h, 'a'), await slotStatus(h, 'b')]).toEqual(['a', 'RUNNING', 'STOPPED']);
    },
    LONG,
  );

  it(
    'fails before the switch when the new process never becomes healthy: traffic stays, its slot is stopped',
    async () => {
      bed.repo.commit(editServer('\nHEALTH = 200\n', '\nHEALTH = 503\n'), 'unhealthy');
      const { result, loads, finishedAt } = await underLoad('unhealthy', () => bed.release('main'));
      expect(result).toMatchObject({ status: 'failed', failedStep: 'start-process' });
      expect(result.error).toMatch(
        /The new process did not become healthy on zdproc-\d: http:\/\/127\.0\.0\.1\d:9462\/health \(berth-zdproc_web-b\): status 503 within 4 s/,
      );
      expectServed(loads, finishedAt, [sha[1]!], sha[1]!);
      for (const h of bed.hosts) {
        expect(await bed.current(h)).toBe('releases/2');
        expect([await liveSlot(h), await slotStatus(h, 'a'), await slotStatus(h, 'b')]).toEqual(['a', 'RUNNING', 'STOPPED']);
      }
      bed.repo.commit(editServer('\nHEALTH = 503\n', '\nHEALTH = 200\n'), 'healthy again');
    },
    LONG,
  );

  it(
    'unhealthy on one server only: the other stops the new process it started, and neither moves traffic',
    async () => {
      bed.repo.commit({ UNHEALTHY_ON: 'berth-host-2\n' }, 'unhealthy on host 2');
      const { result, loads, finishedAt } = await underLoad('one server unhealthy', () => bed.release('main'));
      expect(result).toMatchObject({ status: 'failed', failedStep: 'start-process' });
      expect(result.error).toContain('not become healthy on zdproc-2');
      expectServed(loads, finishedAt, [sha[1]!], sha[1]!);
      for (const h of bed.hosts)
        expect([await bed.current(h), await liveSlot(h), await slotStatus(h, 'b')]).toEqual(['releases/2', 'a', 'STOPPED']);
      removeFile('UNHEALTHY_ON');
    },
    LONG,
  );

  it(
    'rolls back by itself when the check through nginx fails after traffic moved, the same dance back',
    async () => {
      bed.repo.commit({ UNHEALTHY_BEHIND_PROXY: '' }, 'unhealthy behind nginx');
      const { result, loads, finishedAt } = await underLoad('automatic rollback', () => bed.release('main'));
      expect(result).toMatchObject({ status: 'rolled_back', failedStep: 'health-check', bad: true });
      expect(result.error).toContain('Rolled back to releases/2 on every server.');
      // Its requests may have met the bad release (its pages work; only /health behind nginx fails), never an error.
      expectServed(loads, finishedAt, [sha[1]!, result.sha!], sha[1]!);
      for (const h of bed.hosts) {
        expect([await bed.current(h), await liveSlot(h), await slotStatus(h, 'a'), await slotStatus(h, 'b')]).toEqual([
          'releases/2',
          'a',
          'RUNNING',
          'STOPPED',
        ]);
      }
      removeFile('UNHEALTHY_BEHIND_PROXY');
    },
    LONG,
  );

  it(
    'rolls back in one step under load, with the same start-then-move dance',
    async () => {
      const back = await underLoad('rollback', () => bed.release('releases/1', 'rollback', firstId));
      expect(back.result).toMatchObject({ status: 'succeeded', kind: 'rollback', sha: sha[0] });
      expectServed(back.loads, back.finishedAt, [sha[1]!, sha[0]!], sha[0]!);
      for (const h of bed.hosts)
        expect([await bed.current(h), await liveSlot(h), await slotStatus(h, 'a')]).toEqual(['releases/1', 'b', 'STOPPED']);
    },
    LONG,
  );
});
