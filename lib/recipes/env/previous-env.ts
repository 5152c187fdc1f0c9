import { appLayout } from '@/lib/plan/app-layout';
import { and, cmd, or } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { underLock } from './env-file';

/**
 * A release rewrites shared/.env before its build, and the live release reads that same file.
 * So the file it replaced is kept beside it until the release ends: a release that fails puts
 * it back (rule 6: a failure leaves the server as it was), one that succeeds drops it. With no
 * .env before, a marker says so and a failure removes the new one. All as the app user.
 */
const paths = (slug: string) => {
  const shared = appLayout(slug).shared;
  return { env: `${shared}/.env`, previous: `${shared}/.env.berth-previous`, none: `${shared}/.env.berth-none` };
};

export async function keepPreviousEnv(transport: Transport, slug: string): Promise<void> {
  const p = paths(slug);
  await underLock(
    transport,
    slug,
    or(
      and(cmd('test', '-f', p.env), cmd('rm', '-f', p.none), cmd('cp', '-p', p.env, p.previous)),
      and(cmd('rm', '-f', p.previous), cmd('touch', p.none)),
    ),
  );
}

/** Puts back what keepPreviousEnv kept; says what it did, for the log. */
export async function restorePreviousEnv(transport: Transport, slug: string): Promise<string> {
  const p = paths(slug);
  const out = await underLock(
    transport,
    slug,
    or(
      and(cmd('test', '-f', p.previous), cmd('mv', '-f', '-T', p.previous, p.env), cmd('echo', 'shared/.env put back as it was')),
      and(cmd('test', '-e', p.none), cmd('rm', '-f', p.env, p.none), cmd('echo', 'shared/.env removed: there was none before')),
      cmd('echo', 'nothing kept to put back'),
    ),
  );
  return out.stdout.trim();
}

export async function discardPreviousEnv(transport: Transport, slug: string): Promise<void> {
  const p = paths(slug);
  await underLock(transport, slug, cmd('rm', '-f', p.previous, p.none));
}
