import type { Db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { findRelease } from '@/db/queries/releases';
import type { Server } from '@/db/schema';
import { ConnectError, HostKeyMismatchError } from '@/lib/remote/errors';
import { notify } from './emit';
import { releaseLink, serverLink } from './links';

/** Alert text is read on a phone: the start of a long error says what went wrong. */
const excerpt = (text: string | null, max = 600) => {
  const t = (text ?? '').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
};

/**
 * Called when a release job ends, whatever happened: a failed release, or a deploy put back by the
 * automatic rollback after a failed step past the switch, raises an alert. Never throws.
 */
export async function announceReleaseEnd(db: Db, releaseId: string, base?: string): Promise<void> {
  try {
    const release = await findRelease(db, releaseId);
    if (!release || !['failed', 'rolled_back', 'succeeded'].includes(release.status)) return;
    const app = await findApp(db, release.appId);
    const appName = app?.name ?? 'an app';
    const what = release.kind === 'rollback' ? 'Rollback' : `Deploy${release.number ? ` #${release.number}` : ''}`;
    const step = release.failedStep ? ` at step ${release.failedStep}` : '';
    const rolledBack = release.status === 'rolled_back';
    if (release.status === 'succeeded') {
      // Opt-in per channel (nobody subscribes to it by default): the good news, for a team channel.
      const text = `${release.ref}${release.sha ? ` (${release.sha.slice(0, 12)})` : ''}${release.subject ? ` ${release.subject}` : ''}`;
      return void (await notify(db, {
        type: 'release.succeeded',
        title: `${appName}: ${what} is live`,
        text,
        url: releaseLink(release.appId, release.id, base),
        appId: release.appId,
        releaseId: release.id,
      }));
    }
    await notify(db, {
      type: rolledBack ? 'release.rolled_back' : 'release.failed',
      title: rolledBack ? `${appName}: ${what} failed${step} and was rolled back` : `${appName}: ${what} failed${step}`,
      text: `${release.ref}${release.sha ? ` (${release.sha.slice(0, 12)})` : ''}\n${excerpt(release.error)}`,
      url: releaseLink(release.appId, release.id, base),
      appId: release.appId,
      releaseId: release.id,
    });
  } catch (err) {
    console.error(`berth: announcing the end of release ${releaseId} failed: ${(err as Error).message}`);
  }
}

/** A server Berth could not reach, or that presented another host key. Other failures (a command exiting 1) are not alerts. */
export async function announceServerFailure(db: Db, server: Pick<Server, 'id' | 'name'>, err: unknown, base?: string): Promise<void> {
  const url = serverLink(server.id, base);
  if (err instanceof HostKeyMismatchError) {
    await notify(db, {
      type: 'server.host_key_mismatch',
      title: `${server.name}: the host key changed`,
      text: err.message,
      url,
      serverId: server.id,
    });
  } else if (err instanceof ConnectError) {
    await notify(db, { type: 'server.unreachable', title: `${server.name} is unreachable`, text: err.message, url, serverId: server.id });
  }
}
