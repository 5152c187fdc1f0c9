import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateAppConfig } from '@/db/queries/apps';
import { envPushStates, findEnvRevision } from '@/db/queries/env-revisions';
import { findRun, tasksOf } from '@/db/queries/runs';
import { updateServer } from '@/db/queries/servers';
import { insertUser } from '@/db/queries/users';
import type { JobPayload } from '@/lib/jobs/queue';
import { appLayout } from '@/lib/plan/app-layout';
import { renderEnvFile } from '@/lib/recipes/env/env-file';
import { releaseBed, type BedHost } from '@/test-support/testbed-release';
import { cmd } from '@/lib/remote/command';
import { confirmPull, previewPull } from './pull';
import { envPushSummary, requestEnvPush } from './push';
import { runEnvPush } from './push-job';
import { saveEnv } from './store';
import { findRelease, releasesOf } from '@/db/queries/releases';
import { runRelease } from '@/lib/releases/release-job';
import { requestRollback } from '@/lib/releases/requests';

// Env pushes, pulls and releases on both test hosts, through real SSH, nginx, PHP-FPM and
// phpdotenv (the PHP fixture prints GREETING as it loaded it from current/.env).
const SLUG = 'envapp';
const l = appLayout(SLUG);
let bed: Awaited<ReturnType<typeof releaseBed>>;
let userId: number;
const everyValue: string[] = [];
const TRICKY = `it's "quoted", costs $5 (\${NOT_A_VAR}) \\ back\nsecond line`;

beforeAll(async () => {
  bed = await releaseBed(SLUG, {
    healthCheck: { path: '/health.php', timeoutS: 5 },
    env: { postPushCommands: [['touch', 'pushed-marker']] },
  });
  userId = (await insertUser(bed.t.db, { email: 'env@berth.test', name: 'Env', role: 'deployer', passwordHash: 'x' })).id;
}, 120_000);
afterAll(async () => bed && (await bed.cleanup()), 60_000);

async function save(values: Record<string, string>) {
  everyValue.push(...Object.values(values).filter((v) => v.length >= 4));
  return saveEnv(bed.t.db, bed.ring, bed.app.id, values, { source: 'edit', createdBy: userId });
}

/** "Push to servers" as the action does it, then the job it queued, run here. */
async function push(onlyPending = false) {
  const sent: JobPayload[] = [];
  const request = await requestEnvPush(bed.t.db, bed.app.id, userId, {
    onlyPending,
    enqueue: async (p) => {
      sent.push(p);
      return 'job';
    },
  });
  expect(sent).toHaveLength(request.runs.length ? 1 : 0);
  if (sent[0]?.kind === 'env-push') await runEnvPush(bed.t.db, bed.ring, sent[0], new AbortController().signal);
  return request;
}

const sh = (h: BedHost, ...argv: string[]) => h.transport.exec(cmd(argv[0]!, ...argv.slice(1)), { okExitCodes: [0, 1] });
const greeting = (h: BedHost) => bed.served(h).then((body) => body.match(/greeting: ([\s\S]*?)\nenv_file_keys/)?.[1]);
const runCount = async (serverId: string) => (await envPushRunsOf(serverId)).length;
async function envPushRunsOf(serverId: string) {
  const { recipeRuns } = await import('@/db/schema');
  const { and, eq } = await import('drizzle-orm');
  return bed.t.db
    .select()
    .from(recipeRuns)
    .where(and(eq(recipeRuns.appId, bed.app.id), eq(recipeRuns.serverId, serverId), eq(recipeRuns.recipe, 'env-push')));
}
/** Every task log and summary of the app's runs: none may hold a value. */
async function expectNoValueLogged() {
  const { recipeRuns } = await import('@/db/schema');
  const { eq } = await import('drizzle-orm');
  const runs = await bed.t.db.select().from(recipeRuns).where(eq(recipeRuns.appId, bed.app.id));
  for (const run of runs) {
    const texts = [run.error ?? '', ...(await tasksOf(bed.t.db, run.id)).flatMap((t) => [t.log, t.summary ?? ''])];
    for (const text of texts)
      for (const value of everyValue) for (const part of value.split('\n').filter((p) => p.length >= 4)) expect(text).not.toContain(part);
  }
}

describe('env push, pull and releases on two servers', () => {
  it('a deploy before anything was saved leaves .env alone', async () => {
    const first = await bed.release();
    expect(first).toMatchObject({ status: 'succeeded', envRevision: null });
    for (const h of bed.hosts) {
      expect((await sh(h, 'test', '-e', `${l.shared}/.env`)).code).toBe(1);
      expect(await greeting(h)).toBe('none');
    }
    await expect(push()).rejects.toThrow('Nothing saved yet');
  });

  it('a push changes what both servers serve without a release: exact values, 0640 app-owned file, post-push command run', async () => {
    const { revision } = await save({ APP_NAME: 'Env Fixture', GREETING: TRICKY, DB_PASSWORD: 'pw-0123456789' });
    const pushed = await push();
    expect(pushed).toMatchObject({ revision, busy: [] });
    for (const h of bed.hosts) {
      expect(await bed.current(h)).toBe('releases/1');
      expect(await greeting(h)).toBe(TRICKY);
      expect((await sh(h, 'stat', '-c', '%a %U %G %F', `${l.shared}/.env`)).stdout).toBe('640 envapp envapp regular file\n');
      expect((await h.transport.readFile(`${l.shared}/.env`)).toString()).toBe(
        renderEnvFile({ APP_NAME: 'Env Fixture', GREETING: TRICKY, DB_PASSWORD: 'pw-0123456789' }),
      );
      expect((await sh(h, 'readlink', `${l.releases}/1/.env`)).stdout).toBe('../../shared/.env\n');
      expect((await sh(h, 'stat', '-c', '%U', `${l.releases}/1/pushed-marker`)).stdout).toBe('envapp\n');
    }
    const summary = await envPushSummary(bed.t.db, bed.app.id);
    expect(summary.pending).toBe(false);
    expect(summary.servers.map((s) => [s.envRevision, s.error, s.run?.status])).toEqual([
      [revision, null, 'succeeded'],
      [revision, null, 'succeeded'],
    ]);
    const run = await findRun(bed.t.db, pushed.runs[0]!.runId);
    expect((await tasksOf(bed.t.db, run!.id)).map((t) => [t.name, t.status])).toEqual([
      ['write-env', 'changed'],
      ['post-push', 'changed'],
    ]);
    await expectNoValueLogged();
  });

  it('a deploy writes the newest revision into the release before the build, and records it', async () => {
    const { revision } = await save({ APP_NAME: 'Env Fixture', GREETING: 'from the release', DB_PASSWORD: 'pw-0123456789' });
    // The build already finds the release's .env (as php artisan config:cache would need it).
    await updateAppConfig(bed.t.db, bed.app.id, {
      ...bed.config,
      release: { ...bed.config.release, buildCommands: [['grep', '-q', '^GREETING=', '.env']] },
    });
    const second = await bed.release();
    await updateAppConfig(bed.t.db, bed.app.id, bed.config);
    expect(second).toMatchObject({ status: 'succeeded', number: 2, envRevision: revision });
    for (const h of bed.hosts) {
      expect(await greeting(h)).toBe('from the release');
      expect((await sh(h, 'readlink', `${l.releases}/2/.env`)).stdout).toBe('../../shared/.env\n');
    }
    expect((await envPushStates(bed.t.db, bed.app.id)).map((s) => s.envRevision)).toEqual([revision, revision]);
    await expectNoValueLogged();
  });

  it('a push with one server unreachable fails there alone; "retry failed" then pushes only to it', async () => {
    const [up, down] = bed.hosts as [BedHost, BedHost];
    const { revision } = await save({ APP_NAME: 'Env Fixture', GREETING: 'after the outage', DB_PASSWORD: 'pw-0123456789' });
    await updateServer(bed.t.db, down.server.id, { port: 1 });
    const pushed = await push();
    expect(pushed.runs).toHaveLength(2);
    const states = Object.fromEntries((await envPushSummary(bed.t.db, bed.app.id)).servers.map((s) => [s.serverId, s]));
    expect(states[up.server.id]).toMatchObject({ envRevision: revision, error: null, run: { status: 'succeeded' } });
    expect(states[down.server.id]).toMatchObject({ envRevision: revision - 1, run: { status: 'failed' } });
    expect(states[down.server.id]!.error).toMatch(/refused|connect/i);
    expect(await greeting(up)).toBe('after the outage');
    expect(await greeting(down)).toBe('from the release');

    await updateServer(bed.t.db, down.server.id, { port: down.server.port });
    const upRuns = await runCount(up.server.id);
    const retry = await push(true);
    expect(retry.runs.map((r) => r.serverId)).toEqual([down.server.id]);
    expect(await runCount(up.server.id)).toBe(upRuns);
    expect(await greeting(down)).toBe('after the outage');
    expect(await envPushSummary(bed.t.db, bed.app.id)).toMatchObject({
      pending: false,
      servers: [
        { envRevision: revision, error: null },
        { envRevision: revision, error: null },
      ],
    });
  });

  it('pull previews a hand-edited shared/.env by key, and confirming saves it as a pull revision', async () => {
    const h = bed.hosts[0]!;
    const edited = 'APP_NAME="Env Fixture"\nGREETING="edited by hand"\n# a comment\nNEW_KEY=added-on-server\n';
    await h.transport.upload(edited, `${l.shared}/.env`, { mode: 0o640, owner: SLUG, group: SLUG });
    everyValue.push('edited by hand', 'added-on-server');
    const preview = await previewPull(bed.t.db, bed.ring, bed.app.id, h.server.id);
    const latest = (await envPushSummary(bed.t.db, bed.app.id)).latest;
    expect(preview).toMatchObject({
      revision: latest,
      keys: 3,
      changes: [
        { key: 'DB_PASSWORD', kind: 'removed' },
        { key: 'GREETING', kind: 'changed' },
        { key: 'NEW_KEY', kind: 'added' },
      ],
    });
    expect(JSON.stringify(preview)).not.toContain('edited by hand');

    // The file changes after the preview: the confirm is refused.
    await h.transport.upload(`${edited}LATE=1\n`, `${l.shared}/.env`, { mode: 0o640, owner: SLUG, group: SLUG });
    await expect(confirmPull(bed.t.db, bed.ring, bed.app.id, h.server.id, preview.token, userId)).rejects.toThrow(
      'The file or the saved environment changed since the preview; preview again',
    );

    await h.transport.upload(edited, `${l.shared}/.env`, { mode: 0o640, owner: SLUG, group: SLUG });
    const saved = await confirmPull(bed.t.db, bed.ring, bed.app.id, h.server.id, preview.token, userId);
    expect(saved).toEqual({ revision: latest + 1, changes: preview.changes });
    expect(await findEnvRevision(bed.t.db, bed.app.id, latest + 1)).toMatchObject({
      source: 'pull',
      pulledFrom: h.server.id,
      createdBy: userId,
    });
    // The other server is now behind the saved environment.
    expect((await envPushSummary(bed.t.db, bed.app.id)).pending).toBe(true);
  });

  it('pull refuses a file with a syntax error, naming the line, and saves nothing', async () => {
    const h = bed.hosts[1]!;
    await h.transport.upload('A=1\nB=2\nTHIS IS NOT AN ENTRY\n', `${l.shared}/.env`, { mode: 0o640, owner: SLUG, group: SLUG });
    const latest = (await envPushSummary(bed.t.db, bed.app.id)).latest;
    await expect(previewPull(bed.t.db, bed.ring, bed.app.id, h.server.id)).rejects.toThrow(/line 3/);
    expect((await envPushSummary(bed.t.db, bed.app.id)).latest).toBe(latest);
    await expect(previewPull(bed.t.db, bed.ring, bed.app.id, '00000000-0000-4000-8000-000000000000')).rejects.toThrow(
      'That server does not run this app.',
    );
  });

  it('a rollback can bring back the env revision its target ran with, as a new revision written before the switch', async () => {
    const second = (await releasesOf(bed.t.db, bed.app.id)).find((r) => r.number === 2)!;
    await save({ APP_NAME: 'Env Fixture', GREETING: 'before the rollback', DB_PASSWORD: 'pw-0123456789' });
    expect(await bed.release()).toMatchObject({ status: 'succeeded', number: 3 });
    for (const h of bed.hosts) expect(await greeting(h)).toBe('before the rollback');

    const sent: JobPayload[] = [];
    const rollback = await requestRollback(
      bed.t.db,
      async (p) => {
        sent.push(p);
        return 'job';
      },
      {
        appId: bed.app.id,
        targetId: second.id,
        userId,
        restoreEnv: { ring: bed.ring },
      },
    );
    const restored = (await envPushSummary(bed.t.db, bed.app.id)).latest;
    expect(await findEnvRevision(bed.t.db, bed.app.id, restored)).toMatchObject({ source: 'restore', restoredFrom: second.envRevision });
    expect(rollback).toMatchObject({ restoresEnv: true, envRevision: restored });
    await runRelease(bed.t.db, bed.ring, rollback.id, new AbortController().signal, bed.dataDir);
    expect(await findRelease(bed.t.db, rollback.id)).toMatchObject({ status: 'succeeded' });
    for (const h of bed.hosts) {
      expect(await bed.current(h)).toBe('releases/2');
      expect(await greeting(h)).toBe('from the release');
    }
    expect((await envPushStates(bed.t.db, bed.app.id)).map((s) => s.envRevision)).toEqual([restored, restored]);

    // Without the tick, a rollback leaves shared/.env as it is.
    const third = (await releasesOf(bed.t.db, bed.app.id)).find((r) => r.number === 3)!;
    const plain = await requestRollback(bed.t.db, async () => 'job', { appId: bed.app.id, targetId: third.id, userId });
    await runRelease(bed.t.db, bed.ring, plain.id, new AbortController().signal, bed.dataDir);
    expect(await findRelease(bed.t.db, plain.id)).toMatchObject({ status: 'succeeded', restoresEnv: false });
    for (const h of bed.hosts) expect(await greeting(h)).toBe('from the release');
    await expectNoValueLogged();
  });

  it('a release that fails puts the previous shared/.env back, before the build or after the switch', async () => {
    const live = (await envPushStates(bed.t.db, bed.app.id)).map((s) => s.envRevision);
    await save({ APP_NAME: 'Env Fixture', GREETING: 'never live', DB_PASSWORD: 'pw-0123456789' });
    const expectAsBefore = async () => {
      for (const h of bed.hosts) {
        expect(await greeting(h)).toBe('from the release');
        expect((await sh(h, 'ls', '-A', l.shared)).stdout.split('\n').filter((f) => f.startsWith('.env'))).toEqual(['.env']);
      }
      expect((await envPushStates(bed.t.db, bed.app.id)).map((s) => s.envRevision)).toEqual(live);
    };

    await updateAppConfig(bed.t.db, bed.app.id, { ...bed.config, release: { ...bed.config.release, buildCommands: [['false']] } });
    expect(await bed.release()).toMatchObject({ status: 'failed', failedStep: 'build' });
    await expectAsBefore();

    await updateAppConfig(bed.t.db, bed.app.id, bed.config);
    bed.repo.commit({ 'public/health.php': '<?php http_response_code(500);\n' }, 'unhealthy');
    const failing = await bed.release();
    // Refused at the pre-switch gate: the new .env was written, and must go back all the same.
    expect(failing, failing.error ?? '').toMatchObject({ status: 'failed', failedStep: 'gate' });
    await expectAsBefore();
    await expectNoValueLogged();
  });
});
