import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateAppConfig } from '@/db/queries/apps';
import {
  createReleaseRun,
  findRelease,
  insertRelease,
  interruptRelease,
  releasesOf,
  requestCancel,
  runsOfRelease,
  updateRelease,
} from '@/db/queries/releases';
import { createTasks, tasksOf, updateTask } from '@/db/queries/runs';
import { deliverDue } from '@/lib/notify/deliver';
import type { JobPayload } from '@/lib/jobs/queue';
import { saveChannel } from '@/lib/notify/channels';
import { startHttpSink, type HttpSink } from '@/test-support/fixtures/notify-sinks';
import { loadHosts } from '@/test-support/testbed-load';
import { releaseBed } from '@/test-support/testbed-release';
import { cmd } from '@/lib/remote/command';
import { ActionError } from '@/lib/auth/action-core';
import { runRelease } from './release-job';
import { requestDeploy } from './requests';
import { checkLockHolds } from './lock-holds';

// What happens around the switch on the two real test hosts: the watch window, a canary, cancel,
// and a lock an interrupted step still holds.
let bed: Awaited<ReturnType<typeof releaseBed>>;
let sink: HttpSink;
const currents = () => Promise.all(bed.hosts.map((h) => bed.current(h)));
const queued: JobPayload[] = [];
const send = async (payload: JobPayload) => {
  queued.push(payload);
  return 'job';
};
const run = (id: string, signal = new AbortController().signal) => runRelease(bed.t.db, bed.ring, id, signal, bed.dataDir, send);
const deploy = async (canary = false) => {
  const row = await insertRelease(bed.t.db, { appId: bed.app.id, kind: 'deploy', ref: 'main', trigger: 'button', canary });
  await run(row.id);
  return (await findRelease(bed.t.db, row.id))!;
};

// Every fifth request (by the clock's millisecond) to anything but /health answers 500.
const FLAKY =
  '<?php if ($_SERVER["REQUEST_URI"] !== "/health" && intdiv((int)(microtime(true) * 1000), 1) % 5 === 0) { http_response_code(500); echo "flaky"; exit; } echo "fixture release flaky";\n';

beforeAll(async () => {
  sink = await startHttpSink();
  bed = await releaseBed('safeapp', {
    healthCheck: { path: '/health', timeoutS: 3 },
    release: { watchWindowS: 60, watchErrorRisePct: 10 },
  });
  await saveChannel(bed.t.db, bed.ring, {
    kind: 'webhook',
    name: 'ops',
    events: ['release.rolled_back', 'release.failed'],
    url: `${sink.url}/hook`,
  });
  expect(await deploy()).toMatchObject({ status: 'succeeded', number: 1 });
  queued.length = 0;
});
afterAll(async () => {
  await sink?.close();
  await bed?.cleanup();
});

describe('release safety on the test bed', () => {
  it('the watch window rolls back a release that passes its health path but fails every fifth other request, with an alert', async () => {
    const load = loadHosts(
      bed.hosts.map((h) => h.address),
      'safeapp.test',
      { clients: 2, capMs: 60_000 },
    );
    try {
      bed.repo.commit({ 'public/index.php': FLAKY }, 'flaky');
      const r = await deploy();
      expect(r, r.error ?? '').toMatchObject({ status: 'succeeded', number: 2 });
      // The deploy started the watch's timer chain in this process, as the panel's job does: its
      // polls read both hosts' access logs every 5 s until the verdict queues the rollback.
      let rollback: JobPayload | undefined;
      for (let i = 0; i < 80 && !rollback; i++) {
        await new Promise((res) => setTimeout(res, 500));
        rollback = queued.find((p) => p.kind === 'release');
      }
      expect(rollback, 'the watch queued a rollback').toBeDefined();
      const watched = (await findRelease(bed.t.db, r.id))!;
      expect(watched).toMatchObject({ bad: true, failedStep: 'watch' });
      expect(watched.error).toMatch(
        /^Watch window: on safeapp-\d, the 5xx share rose from 0\.0 % to \d+\.\d % \(\d+ of \d+ requests to the new release\)\. Rolling back/,
      );
      await run((rollback as { releaseId: string }).releaseId);
      expect(await findRelease(bed.t.db, (rollback as { releaseId: string }).releaseId)).toMatchObject({
        status: 'succeeded',
        trigger: 'auto-rollback',
      });
      expect(await currents()).toEqual(['releases/1', 'releases/1']);
      expect(await deliverDue(bed.t.db, bed.ring)).toBe(1);
      queued.length = 0;
      const alert = await sink.waitFor((q) => q.path === '/hook');
      expect(alert.body).toMatchObject({ type: 'release.rolled_back', title: 'safeapp: Deploy #2 was rolled back by its watch window' });
    } finally {
      await load.stop();
    }
  });

  it('a canary that fails leaves the second host untouched', async () => {
    bed.repo.commit({ 'public/index.php': '<?php echo "fixture release good";\n' }, 'good again');
    await updateAppConfig(bed.t.db, bed.app.id, {
      ...bed.config,
      release: { ...bed.config.release, buildCommands: [['sh', '-c', 'test "$(hostname)" != berth-host-1']] },
    });
    const r = await deploy(true).finally(() => updateAppConfig(bed.t.db, bed.app.id, bed.config));
    expect(r, r.error ?? '').toMatchObject({ status: 'failed', failedStep: 'build' });
    expect(r.error).toMatch(/The other servers \(safeapp-2\) were not touched\./);
    expect(await currents()).toEqual(['releases/1', 'releases/1']);
    const h2 = bed.hosts[1]!.transport;
    expect((await h2.exec(cmd('test', '-e', `/var/www/safeapp/releases/${r.number}`), { okExitCodes: [0, 1] })).code).toBe(1);
    const runs = await runsOfRelease(bed.t.db, r.id);
    expect(runs.find((x) => x.serverId === bed.hosts[1]!.server.id)).toMatchObject({
      status: 'failed',
      error: 'Not started: the canary failed first.',
    });
    expect(queued).toEqual([]);
  });

  it('a canary that passes its watch window goes on to the rest, which start only after it', async () => {
    await updateAppConfig(bed.t.db, bed.app.id, { ...bed.config, release: { ...bed.config.release, watchWindowS: 3 } });
    const r = await deploy(true).finally(() => updateAppConfig(bed.t.db, bed.app.id, bed.config));
    expect(r, r.error ?? '').toMatchObject({ status: 'succeeded' });
    expect(await currents()).toEqual([`releases/${r.number}`, `releases/${r.number}`]);
    // Host 1's whole recipe and its 3 s watch window come before host 2's first step.
    const runs = await runsOfRelease(bed.t.db, r.id);
    const tasks = async (serverId: string) => tasksOf(bed.t.db, runs.find((x) => x.serverId === serverId)!.id);
    const canaryDone = (await tasks(bed.hosts[0]!.server.id)).find((t) => t.name === 'health-check')!.finishedAt!;
    const restStart = (await tasks(bed.hosts[1]!.server.id)).find((t) => t.name === 'prepare')!.startedAt!;
    expect(restStart.getTime() - canaryDone.getTime()).toBeGreaterThanOrEqual(2900);
  });

  it('cancel during the build stops and removes the new release; cancel just after the switch rolls back', async () => {
    const live = await currents();
    await updateAppConfig(bed.t.db, bed.app.id, { ...bed.config, release: { ...bed.config.release, buildCommands: [['sleep', '20']] } });
    const row = await insertRelease(bed.t.db, { appId: bed.app.id, kind: 'deploy', ref: 'main', trigger: 'button' });
    const started = Date.now();
    const pending = run(row.id);
    await new Promise((res) => setTimeout(res, 3000));
    expect(await requestCancel(bed.t.db, row.id, 'Ada')).toBe(true);
    await pending.finally(() => updateAppConfig(bed.t.db, bed.app.id, bed.config));
    expect(Date.now() - started).toBeLessThan(15_000);
    const during = (await findRelease(bed.t.db, row.id))!;
    expect(during, during.error ?? '').toMatchObject({ status: 'cancelled', failedStep: 'build', bad: false });
    expect(during.error).toMatch(/^Cancelled by Ada before the switch; the new release was removed\./);
    expect(await currents()).toEqual(live);
    for (const h of bed.hosts)
      expect((await h.transport.exec(cmd('test', '-e', `/var/www/safeapp/releases/${during.number}`), { okExitCodes: [0, 1] })).code).toBe(
        1,
      );

    // Just after the switch: the new release's health path hangs, so the cancel lands while the check waits.
    bed.repo.commit(
      { 'public/index.php': '<?php if ($_SERVER["REQUEST_URI"] === "/health") { sleep(8); } echo "fixture release slow";\n' },
      'slow health',
    );
    await updateAppConfig(bed.t.db, bed.app.id, {
      ...bed.config,
      release: { ...bed.config.release, gate: false },
      healthCheck: { ...bed.config.healthCheck, timeoutS: 30 },
    });
    const after = await insertRelease(bed.t.db, { appId: bed.app.id, kind: 'deploy', ref: 'main', trigger: 'button' });
    const going = run(after.id);
    for (let i = 0; i < 100 && !(await currents()).includes(`releases/${after.number}`); i++)
      await new Promise((res) => setTimeout(res, 100));
    expect(await requestCancel(bed.t.db, after.id, 'Ada')).toBe(true);
    await going.finally(() => updateAppConfig(bed.t.db, bed.app.id, bed.config));
    const ended = (await findRelease(bed.t.db, after.id))!;
    expect(ended, ended.error ?? '').toMatchObject({ status: 'cancelled' });
    expect(ended.failedStep).toMatch(/^(restart-workers|health-check)$/);
    expect(ended.error).toMatch(/^Cancelled by Ada after the switch\.\nRolled back to releases\/\d+ on every server\./);
    expect(await currents()).toEqual(live);
    bed.repo.commit({ 'public/index.php': '<?php echo "fixture release good";\n' }, 'good again');
  });

  it('while an interrupted step holds the lock, 10 deploy clicks create nothing and alert nobody; the check frees it', async () => {
    const before = (await releasesOf(bed.t.db, bed.app.id, 500)).length;
    // A step left running on host 1 by a panel that stopped: it holds the app's release lock.
    const h1 = bed.hosts[0]!;
    const orphan = await insertRelease(bed.t.db, { appId: bed.app.id, kind: 'deploy', ref: 'main', trigger: 'button' });
    await updateRelease(bed.t.db, orphan.id, { status: 'running' });
    const runRow = await createReleaseRun(bed.t.db, { serverId: h1.server.id, appId: bed.app.id, releaseId: orphan.id, recipe: 'release' });
    const [task] = await createTasks(bed.t.db, runRow.id, ['build']);
    await updateTask(bed.t.db, task!.id, { status: 'running', startedAt: new Date() });
    await deliverDue(bed.t.db, bed.ring); // what the earlier tests alerted
    const holder = h1.transport.exec(cmd('flock', '/run/berth-release-safeapp.lock', 'sleep', '6'), { timeoutMs: 20_000 });
    holder.catch(() => {}); // awaited below; a failure before then must not go unhandled
    await new Promise((res) => setTimeout(res, 300));
    // What the panel does when it finds the job gone (the stale sweep or start-up).
    await interruptRelease(bed.t.db, orphan.id);
    expect(await deliverDue(bed.t.db, bed.ring)).toBe(0);
    const enqueued: JobPayload[] = [];
    for (let i = 0; i < 10; i++) {
      const err = await requestDeploy(
        bed.t.db,
        async (p) => {
          enqueued.push(p);
          return 'job';
        },
        {
          appId: bed.app.id,
          ref: 'main',
          userId: null,
          trigger: 'button',
        },
      ).catch((e: Error) => e);
      expect(err).toBeInstanceOf(ActionError);
      expect((err as Error).message).toMatch(
        /^Busy: the app’s release lock on safeapp-1 is held by step build of deploy #\d+ \(cut off when the panel stopped\), since /,
      );
    }
    expect(enqueued).toEqual([]);
    expect((await releasesOf(bed.t.db, bed.app.id, 500)).length).toBe(before + 1); // the orphan only
    expect(await deliverDue(bed.t.db, bed.ring)).toBe(0);

    await checkLockHolds(bed.t.db, bed.ring); // still held: the hold stays
    await expect(requestDeploy(bed.t.db, send, { appId: bed.app.id, ref: 'main', userId: null, trigger: 'button' })).rejects.toThrow(
      /still held at the last check/,
    );
    await holder;
    await checkLockHolds(bed.t.db, bed.ring);
    queued.length = 0;
    const next = await requestDeploy(bed.t.db, send, { appId: bed.app.id, ref: 'main', userId: null, trigger: 'button' });
    await run(next.id);
    const done = (await findRelease(bed.t.db, next.id))!;
    expect(done, done.error ?? '').toMatchObject({ status: 'succeeded' });
  });

  it('a lock Berth did not know of fails one release at prepare without an alert, and the next click is refused', async () => {
    await deliverDue(bed.t.db, bed.ring);
    const h2 = bed.hosts[1]!;
    // Someone's own command on host 2 holds the app's release lock; no release of Berth's is behind it.
    const holder = h2.transport.exec(cmd('flock', '/run/berth-release-safeapp.lock', 'sleep', '8'), { timeoutMs: 20_000 });
    holder.catch(() => {});
    await new Promise((res) => setTimeout(res, 300));
    const r = await deploy();
    expect(r, r.error ?? '').toMatchObject({ status: 'failed', failedStep: 'prepare' });
    expect(await deliverDue(bed.t.db, bed.ring)).toBe(0);
    await expect(requestDeploy(bed.t.db, send, { appId: bed.app.id, ref: 'main', userId: null, trigger: 'webhook' })).rejects.toThrow(
      /^Busy: the app’s release lock on safeapp-2 is held by a step Berth did not start or lost track of/,
    );
    await holder;
    await checkLockHolds(bed.t.db, bed.ring);
    expect(await requestDeploy(bed.t.db, send, { appId: bed.app.id, ref: 'main', userId: null, trigger: 'button' })).toMatchObject({
      status: 'queued',
    });
  });
});
