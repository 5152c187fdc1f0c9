import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { releasesOf, updateRelease } from '@/db/queries/releases';
import { insertUser } from '@/db/queries/users';
import { releases, type App, type Release, type User } from '@/db/schema';
import { makeEndpoint } from '@/lib/api/endpoint';
import { rollbackTargetsOp, targetsView } from '@/lib/api/ops/releases';
import { createApiToken } from '@/lib/auth/api-tokens';
import { loadDashboard } from '@/lib/dashboard/load';
import { appConfigInput } from '@/lib/model/app-config';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { noPreviousNote, otherTargetsNote, releaseStanding } from './release-labels';
import { requestRollback, rollbackTarget } from './requests';
import { rollbackTargets } from './rollback-targets';

// Every reader of the rollback rule, on one seeded app: the API's list, the dashboard's card,
// the releases list's labels, requestRollback (the job's check) and rollbackTarget agree.

let t: TestDb;
let app: App;
let other: App;
let user: User;
const endpoint = makeEndpoint({ db: () => t.db, logError: () => {} });
const enqueue = async () => 'job';
const now = new Date('2026-03-10T12:00:00Z');
const minutesBefore = (m: number) => new Date(now.getTime() - m * 60_000);
const d: Record<number, Release> = {};

async function rel(appId: string, r: Partial<typeof releases.$inferInsert>, finishedMinutesAgo: number): Promise<Release> {
  const at = minutesBefore(finishedMinutesAgo);
  const [row] = await t.db
    .insert(releases)
    .values({ appId, kind: 'deploy', ref: 'main', trigger: 'button', status: 'succeeded', startedAt: at, finishedAt: at, ...r })
    .returning();
  return row!;
}

beforeAll(async () => {
  t = await createTestDb();
  const config = (slug: string) => appConfigInput.parse({ slug, kind: 'static', domains: [`${slug}.test`], release: { keepReleases: 3 } });
  app = await insertApp(t.db, { slug: 'shop', name: 'Shop', config: config('shop') }, []);
  other = await insertApp(t.db, { slug: 'blog', name: 'Blog', config: config('blog') }, []);
  user = await insertUser(t.db, { email: 'dee@example.test', name: 'Dee', role: 'deployer', passwordHash: 'x' });
  // #1 pinned, #2 beyond keep (cleaned up), #3 kept, #4 failed, #5 kept, #6 rolled back from
  // (bad) to #5, which is live. Kept: the newest 3 successful (#6, #5, #3) and pinned #1.
  d[1] = await rel(app.id, { number: 1, pinned: true }, 60);
  d[2] = await rel(app.id, { number: 2 }, 50);
  d[3] = await rel(app.id, { number: 3 }, 40);
  d[4] = await rel(app.id, { number: 4, status: 'failed' }, 35);
  d[5] = await rel(app.id, { number: 5 }, 30);
  d[6] = await rel(app.id, { number: 6, bad: true }, 20);
  await rel(app.id, { kind: 'rollback', ref: 'releases/5', targetId: d[5]!.id, trigger: 'rollback' }, 10);
  d[7] = await rel(other.id, { number: 1 }, 5);
});
afterAll(async () => t.close());

/** A queued rollback holds the app's lock: end it so the next request may queue. */
const release = async (id: string) => updateRelease(t.db, id, { status: 'failed', finishedAt: new Date() });

describe('one rollback rule, read everywhere', () => {
  it('the rule: #5 live, targets #6 (bad), #3, #1 (pinned); previous #3', async () => {
    const choice = await rollbackTargets(t.db, app.id);
    expect(choice.live?.id).toBe(d[5]!.id);
    expect(choice.targets.map((x) => [x.release.number, !!x.bad, x.older])).toEqual([
      [6, true, false],
      [3, false, true],
      [1, false, true],
    ]);
    expect(choice.previous?.release.id).toBe(d[3]!.id);
  });

  it('the HTTP API lists exactly the rule’s targets', async () => {
    const viewer = await insertUser(t.db, { email: 'vee@example.test', name: 'Vee', role: 'viewer', passwordHash: 'x' });
    const { text } = await createApiToken(t.db, viewer, { name: 'ci', role: 'viewer', expiresIn: 'never' });
    const request = new Request('http://panel.test/api/v1/apps/shop/rollback', { headers: { authorization: `Bearer ${text}` } });
    const response = await endpoint(rollbackTargetsOp)(request, { params: Promise.resolve({ app: 'shop' }) });
    expect(response.status).toBe(200);
    const { data } = await response.json();
    expect(data).toEqual(JSON.parse(JSON.stringify(targetsView(await rollbackTargets(t.db, app.id)))));
    expect(data.targets.map((x: { number: number }) => x.number)).toEqual([6, 3, 1]);
    expect(data.previous).toBe(3);
    expect(data.targets[0].bad).toMatch(/^rolled back from on .* UTC \(back to #5\)$/);
  });

  it('the dashboard card reads the same choice, and offers #3 without denying the others', async () => {
    const { current } = await loadDashboard(t.db, app, '24h', now);
    expect(current).toEqual(await rollbackTargets(t.db, app.id));
    expect(current.previous?.release.number).toBe(3);
    expect(otherTargetsNote(current)).toMatch(/^Also kept: #6 \(bad: rolled back from .*\), #1\.$/);
  });

  it('the releases list labels every row from the same choice: live, bad with its reason, cleaned up', async () => {
    const choice = await rollbackTargets(t.db, app.id);
    const labels = (await releasesOf(t.db, app.id)).map((r) => [
      r.kind === 'deploy' ? r.number : 'rollback',
      releaseStanding(r, choice)?.text ?? r.status,
    ]);
    expect(labels).toEqual([
      ['rollback', 'succeeded'],
      [6, `bad: ${choice.bad.get(d[6]!.id)!.reason}`],
      [5, 'live'],
      [4, 'failed'],
      [3, 'succeeded'],
      [2, 'cleaned up'],
      [1, 'succeeded'],
    ]);
  });

  it('requestRollback accepts every target (a bad one with a warning) and refuses the rest', async () => {
    const choice = await rollbackTargets(t.db, app.id);
    for (const target of choice.targets) {
      const queued = await requestRollback(t.db, enqueue, { appId: app.id, targetId: target.release.id, userId: user.id });
      expect(queued).toMatchObject({ kind: 'rollback', targetId: target.release.id });
      expect(queued.warning).toBe(target.bad ? `releases/6 is marked bad: ${target.bad.reason}. Rolling back to it anyway.` : null);
      await release(queued.id);
    }
    const refused = (id: string) => requestRollback(t.db, enqueue, { appId: app.id, targetId: id, userId: user.id });
    await expect(refused(d[5]!.id)).rejects.toThrow('releases/5 is already live.');
    await expect(refused(d[2]!.id)).rejects.toThrow('releases/2 was cleaned up on the servers');
    await expect(refused(d[4]!.id)).rejects.toThrow('Only a successful deploy of this app');
    await expect(refused(d[7]!.id)).rejects.toThrow('Only a successful deploy of this app');
  });

  it('rollbackTarget (the API and CLI): no number is the rule’s previous; a number must be a target', async () => {
    expect((await rollbackTarget(t.db, app.id)).id).toBe(d[3]!.id);
    expect((await rollbackTarget(t.db, app.id, 6)).id).toBe(d[6]!.id);
    await expect(rollbackTarget(t.db, app.id, 2)).rejects.toThrow('cleaned up');
    await expect(rollbackTarget(t.db, app.id, 4)).rejects.toThrow('Deploy #4 of this app did not succeed');
    // With #3 bad too, one click goes further back, to #1, on the dashboard and in the API alike.
    await t.db.update(releases).set({ bad: true }).where(eq(releases.id, d[3]!.id));
    expect((await rollbackTarget(t.db, app.id)).id).toBe(d[1]!.id);
    expect((await loadDashboard(t.db, app, '24h', now)).current.previous?.release.number).toBe(1);
    // With #1 bad as well, nothing older is good: the refusal names what is kept, as the dashboard does.
    await t.db.update(releases).set({ bad: true }).where(eq(releases.id, d[1]!.id));
    await expect(rollbackTarget(t.db, app.id)).rejects.toThrow(
      /no earlier deploy to roll back to that is not marked bad\. Kept on the servers: #6 \(bad: .*\), #3 \(bad: rolled back from\), #1 \(bad: rolled back from\)/,
    );
    const none = (await loadDashboard(t.db, app, '24h', now)).current;
    expect(none.targets).toHaveLength(3);
    expect(noPreviousNote(none)).not.toContain('No earlier kept deploy');
    expect(noPreviousNote(none)).toContain('Kept on the servers: #6');
  });
});
