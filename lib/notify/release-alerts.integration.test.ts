import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseBed } from '@/test-support/testbed-release';
import { startHttpSink, type HttpSink } from '@/test-support/fixtures/notify-sinks';
import { saveChannel } from './channels';
import { deliverDue } from './deliver';

// A real deploy on the two test hosts whose health check fails: the automatic rollback is
// alerted, through the outbox, to a webhook receiver on this machine.
let bed: Awaited<ReturnType<typeof releaseBed>>;
let sink: HttpSink;

beforeAll(async () => {
  sink = await startHttpSink();
  // The gate off: this is the alert for a rollback AFTER the switch (the gate's refusal is a plain failure).
  bed = await releaseBed('alertapp', { healthCheck: { path: '/health.php', timeoutS: 2 }, release: { gate: false } });
  await saveChannel(bed.t.db, bed.ring, {
    kind: 'webhook',
    name: 'ops',
    events: ['release.failed', 'release.rolled_back'],
    url: `${sink.url}/hook`,
  });
});
afterAll(async () => {
  await sink?.close();
  await bed?.cleanup();
});

describe('release alerts on the test bed', () => {
  it('a healthy deploy alerts nobody; one rolled back after a failed health check does', async () => {
    expect(await bed.release()).toMatchObject({ status: 'succeeded', number: 1 });
    expect(await deliverDue(bed.t.db, bed.ring)).toBe(0);

    bed.repo.commit({ 'public/health.php': '<?php http_response_code(500); echo "broken";\n' }, 'bad health');
    const r = await bed.release();
    expect(r).toMatchObject({ status: 'rolled_back', failedStep: 'health-check' });
    expect(await deliverDue(bed.t.db, bed.ring)).toBe(1);
    const got = await sink.waitFor((q) => q.path === '/hook');
    expect(got.body).toMatchObject({
      type: 'release.rolled_back',
      title: 'alertapp: Deploy #2 failed at step health-check and was rolled back',
      appId: bed.app.id,
      releaseId: r.id,
      url: expect.stringMatching(new RegExp(`/apps/${bed.app.id}/releases/${r.id}$`)),
    });
    expect((got.body as { text: string }).text).toMatch(/Rolled back to releases\/1/);
  });
});
