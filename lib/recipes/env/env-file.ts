import { appLayout } from '@/lib/plan/app-layout';
import { serializeDotenv } from '@/lib/model/dotenv';
import { and, asUser, cmd, locked, LOCK_BUSY_EXIT, or, type Command } from '@/lib/remote/command';
import { RemoteError } from '@/lib/remote/errors';
import type { Transport } from '@/lib/remote/transport';
import { releaseLockPath } from '../release/paths';

/** An app's environment at one revision, opened from its sealed snapshot for one run (never logged). */
export type EnvToWrite = { revision: number; values: Record<string, string> };

/** From a release directory (releases/<n>/.env, or current/.env through the link) to shared/.env. */
export const ENV_LINK_TARGET = '../../shared/.env';

/** The file text for a revision: the one renderer both a push and a release use. */
export const renderEnvFile = (values: Record<string, string>): string => serializeDotenv(values);

/**
 * Writes shared/.env from a revision: as the app user (transport.upload writes an unprivileged
 * owner's file as that owner, temp + rename, so a link planted there is replaced, not followed),
 * 0640, group the app's group. Returns what a log may say about it: key count and size, never a value.
 */
export async function writeSharedEnv(transport: Transport, slug: string, env: EnvToWrite): Promise<string> {
  const l = appLayout(slug);
  const text = renderEnvFile(env.values);
  await transport.upload(text, `${l.shared}/.env`, { mode: 0o640, owner: l.user, group: l.group });
  return `wrote ${l.shared}/.env: revision ${env.revision}, ${Object.keys(env.values).length} key(s), ${Buffer.byteLength(text)} bytes`;
}

export type EnvLinkState = 'no-release' | 'link' | 'elsewhere' | 'created' | 'replaced';

/** Runs a command as the app user under the app's release lock, naming the holder when a release step still holds it. */
export async function underLock(transport: Transport, slug: string, command: Command) {
  return transport.exec(locked(releaseLockPath(slug), asUser(appLayout(slug).user, command))).catch((err: unknown) => {
    if (err instanceof RemoteError && err.exitCode === LOCK_BUSY_EXIT) {
      throw new Error(
        `A release step is still running on ${transport.serverName} (it holds ${releaseLockPath(slug)}); try again when it ends.`,
      );
    }
    throw err;
  });
}

/**
 * After a push: current/.env points at shared/.env when it was missing (a release deployed
 * before the editor was used). A .env the release itself holds (a file, or a link elsewhere)
 * is left alone and reported as `elsewhere`: the app does not read the pushed file then.
 */
export async function linkCurrentEnv(transport: Transport, slug: string): Promise<EnvLinkState> {
  const l = appLayout(slug);
  const env = `${l.current}/.env`;
  const out = await underLock(
    transport,
    slug,
    or(
      and(cmd('test', '!', '-d', l.current), cmd('echo', 'no-release')),
      and(cmd('test', '-L', env), cmd('echo', 'link'), cmd('readlink', env)),
      and(cmd('test', '-e', env), cmd('echo', 'elsewhere')),
      and(cmd('ln', '-s', ENV_LINK_TARGET, env), cmd('echo', 'created')),
    ),
  );
  const [state = '', target] = out.stdout.trim().split('\n');
  if (state === 'link') return target === ENV_LINK_TARGET ? 'link' : 'elsewhere';
  return state as EnvLinkState;
}

/** During a release, before the build: releases/<n>/.env → shared/.env, replacing whatever .env the commit carried. */
export async function linkReleaseEnv(transport: Transport, slug: string, releaseDir: string): Promise<EnvLinkState> {
  const env = `${releaseDir}/.env`;
  const had = or(and(or(cmd('test', '-e', env), cmd('test', '-L', env)), cmd('echo', 'replaced')), cmd('echo', 'created'));
  const out = await underLock(transport, slug, and(had, cmd('rm', '-rf', env), cmd('ln', '-s', ENV_LINK_TARGET, env)));
  return out.stdout.trim() as EnvLinkState;
}
