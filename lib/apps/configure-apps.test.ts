import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { createRun } from '@/db/queries/runs';
import { recipeRuns } from '@/db/schema';
import { updateServer } from '@/db/queries/servers';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { appConfigInput } from '@/lib/model/app-config';
import { createServer } from '@/lib/servers/create';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { runConfigureApps } from './configure-job';

// What a configure-apps job (an applied definition) does when another request's run already waits
// for its server: no run can be made, so it hands the apps left to a job queued behind that run.
// Running configure itself is proved on the test hosts (e2e/definitions.spec.ts).
const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
let serverId: string;
const ids: Record<string, string> = {};
const sent: JobPayload[] = [];
const send = async (payload: JobPayload) => {
  sent.push(payload);
  return 'job';
};
const signal = new AbortController().signal;

beforeAll(async () => {
  t = await createTestDb();
  const server = await createServer(t.db, ring, { name: 'web-1', host: '10.0.0.5', port: 22, username: 'root', bindAddress: null });
  await updateServer(t.db, server.id, { provisionedAt: new Date(), hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` });
  serverId = server.id;
  for (const slug of ['alpha', 'beta', 'gamma']) {
    const config = appConfigInput.parse({ slug, kind: 'static', domains: [`${slug}.example.com`] });
    ids[slug] = (await insertApp(t.db, { slug, name: slug, config }, [{ serverId, roles: ['web'] }])).id;
  }
});
afterAll(async () => t?.close());

describe('configure-apps behind a waiting run', () => {
  it('hands the apps left to a job queued after the run that waits, and makes no run of its own', async () => {
    await createRun(t.db, { serverId, appId: ids.gamma!, recipe: 'configure' }); // "Configure now" on gamma, waiting
    sent.length = 0;
    await runConfigureApps(t.db, ring, { serverId, appIds: [ids.alpha!, ids.beta!], requestedBy: null }, signal, send);
    expect(sent).toEqual([{ kind: 'configure-apps', serverId, appIds: [ids.alpha, ids.beta], requestedBy: null, handOns: 1 }]);
    expect((await t.db.select().from(recipeRuns)).map((r) => r.appId)).toEqual([ids.gamma]);
  });

  it('counts a waiting configure of the same app as done, and hands on the rest', async () => {
    sent.length = 0;
    await runConfigureApps(t.db, ring, { serverId, appIds: [ids.gamma!, ids.beta!], requestedBy: null }, signal, send);
    expect(sent).toEqual([expect.objectContaining({ appIds: [ids.beta], handOns: 1 })]);
  });

  it('stops handing on after a few tries: the next apply configures what is left', async () => {
    sent.length = 0;
    await runConfigureApps(t.db, ring, { serverId, appIds: [ids.alpha!], requestedBy: null, handOns: 3 }, signal, send);
    expect(sent).toEqual([]);
  });
});
