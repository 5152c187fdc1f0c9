import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateAppConfig } from '@/db/queries/apps';
import { dropSessions, onHost } from '@/test-support/testbed-hosts';
import { cmd, ignoreFailure } from '@/lib/remote/command';
import { releaseBed } from '@/test-support/testbed-release';

// Faults during a release on the two real test hosts: nothing switches unless every server got there.
let bed: Awaited<ReturnType<typeof releaseBed>>;
const RELEASES = '/var/www/faultapp/releases';

beforeAll(async () => {
  bed = await releaseBed('faultapp', { healthCheck: { path: '/health.php', timeoutS: 2 } });
  expect(await bed.release()).toMatchObject({ status: 'succeeded', number: 1 });
});
afterAll(async () => {
  if (!bed) return;
  await bed.hosts[1]!.transport.exec(ignoreFailure(cmd('umount', RELEASES)));
  await bed.cleanup();
});

const currents = () => Promise.all(bed.hosts.map((h) => bed.current(h)));

describe('release faults', () => {
  it('a repository Berth cannot reach fails at fetch and touches no server', async () => {
    await updateAppConfig(bed.t.db, bed.app.id, { ...bed.config, repository: '/nonexistent/repo.git' });
    const r = await bed.release();
    expect(r).toMatchObject({ status: 'failed', failedStep: 'fetch' });
    expect(r.error).toMatch(/Cannot (reach|fetch from) the repository|Cannot fetch from \/nonexistent/);
    expect(await currents()).toEqual(['releases/1', 'releases/1']);
    await updateAppConfig(bed.t.db, bed.app.id, bed.config);
  });

  it('a full disk on one server during extract stops the release before any switch', async () => {
    // 1 MB of incompressible text makes the archive bigger than host 2's 256 KB releases/ tmpfs.
    bed.repo.commit(
      { 'public/big.txt': Array.from({ length: 65_536 }, (_, i) => `${i.toString(36)}${Math.random().toString(36)}`).join('\n') },
      'big',
    );
    const h2 = bed.hosts[1]!.transport;
    // The small disk holds releases/ itself, with release 1 copied in so `current` still resolves.
    await h2.exec(cmd('cp', '-a', `${RELEASES}/1`, '/tmp/faultapp-release-1'));
    await h2.exec(cmd('mount', '-t', 'tmpfs', '-o', 'size=256k,mode=0750', 'tmpfs', RELEASES));
    await h2.exec(cmd('chown', 'faultapp:faultapp', RELEASES));
    await h2.exec(cmd('mv', '/tmp/faultapp-release-1', `${RELEASES}/1`));
    try {
      const r = await bed.release();
      expect(r, r.error ?? '').toMatchObject({ status: 'failed', failedStep: 'extract' });
      expect(r.error).toMatch(/^No space left on faultapp-2: \/var\/www\/faultapp\/releases has \d+ KB free; the release needs \d+ KB/);
      expect(await currents()).toEqual(['releases/1', 'releases/1']);
      await expect.poll(() => bed.served(bed.hosts[1]!)).toContain('fixture release');
    } finally {
      await h2.exec(cmd('umount', RELEASES));
    }
  });

  it('a health check that times out after the switch rolls every server back', async () => {
    bed.repo.commit({ 'public/health.php': '<?php sleep(5); echo "late";\n' }, 'slow health');
    // The gate off, so the slow answer reaches the post-switch check (gate.integration.test.ts cuts it before).
    await updateAppConfig(bed.t.db, bed.app.id, { ...bed.config, release: { ...bed.config.release, gate: false } });
    const r = await bed.release().finally(() => updateAppConfig(bed.t.db, bed.app.id, bed.config));
    expect(r).toMatchObject({ status: 'rolled_back', failedStep: 'health-check', bad: true });
    expect(r.error).toMatch(/no answer within/);
    expect(await currents()).toEqual(['releases/1', 'releases/1']);
    bed.repo.commit({ 'public/health.php': '<?php echo "ok";\n' }, 'health back');
  });

  it('a server that drops mid-step keeps every server on the old release', async () => {
    await updateAppConfig(bed.t.db, bed.app.id, { ...bed.config, release: { ...bed.config.release, buildCommands: [['sleep', '4.25']] } });
    const pending = bed.release();
    // While both servers build, every SSH session to host 2 dies (as in a network drop). Waits for
    // the build to be seen running there rather than for a fixed time, which a loaded machine outlasts.
    const deadline = Date.now() + 30_000;
    while (onHost('berth-host-2', "pgrep -f 'slee[p] 4[.]25'").status !== 0) {
      if (Date.now() > deadline) throw new Error('the build never started on berth-host-2');
      await new Promise((r) => setTimeout(r, 100));
    }
    dropSessions('berth-host-2');
    const r = await pending;
    expect(r).toMatchObject({ status: 'failed', failedStep: 'build' });
    expect(r.error).toMatch(/faultapp-2/);
    expect(await currents()).toEqual(['releases/1', 'releases/1']);
    // The connection comes back for the next release.
    await updateAppConfig(bed.t.db, bed.app.id, bed.config);
    const next = await bed.release();
    expect(next).toMatchObject({ status: 'succeeded' });
    expect(await currents()).toEqual([`releases/${next.number}`, `releases/${next.number}`]);
  });
});
