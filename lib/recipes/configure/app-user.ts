import { and, cmd } from '@/lib/remote/command';
import { appLayout } from '@/lib/plan/app-layout';
import { changed, unchanged, type Task } from '../task';
import type { ConfigureContext } from './context';

/** nginx reads app files through the app's group; it never gets write access. */
export const NGINX_USER = 'www-data';
/** The shell every app user gets. */
const APP_SHELL = '/usr/sbin/nologin';

/**
 * Whether `getent passwd <slug>`'s line is a user this task made: home /var/www/<slug>, no login
 * shell. A slug can name a user that was on the host before Berth (an operator's `admin` or
 * `deploy`, the login user Berth connects as): Berth must neither run the app as it nor delete it.
 */
export function isAppUserLine(passwdLine: string, slug: string): boolean {
  const fields = passwdLine.trim().split(':');
  return fields.length === 7 && fields[0] === slug && fields[5] === appLayout(slug).base && fields[6] === APP_SHELL;
}

/** The members of `getent group <name>`'s line ("docker:x:999:alice,bob" → alice, bob). */
export function groupMembers(groupLine: string): string[] {
  return (groupLine.trim().split(':')[3] ?? '').split(',').filter(Boolean);
}

/**
 * Whether a group named like the slug can be the app's: nobody but nginx (and the app's own user)
 * is in it. A group with other members (`docker`, `sudo`, an operator's team) is someone else's,
 * and making it the app's primary group would hand the app its rights.
 */
export function isAppGroupLine(groupLine: string, slug: string): boolean {
  return groupMembers(groupLine).every((m) => m === NGINX_USER || m === slug);
}

/**
 * One unix user and group per app, with no login shell. nginx joins the group to read the
 * app's files; other apps' users do not, so they cannot read this app's files (.env included).
 */
export const appUser: Task<ConfigureContext> = {
  name: 'app-user',
  async run(ctx, { transport }) {
    const { user, group, base } = appLayout(ctx.app.slug);
    const passwd = await transport.exec(cmd('getent', 'passwd', user), { okExitCodes: [0, 2] });
    const exists = passwd.code === 0;
    if (exists && !isAppUserLine(passwd.stdout, ctx.app.slug))
      throw new Error(`A user named ${user} already exists on ${ctx.server.name} and Berth did not make it: choose another slug.`);
    if (!exists) {
      // The group can outlive a deleted user (userdel keeps a group that still has members).
      const groupLine = await transport.exec(cmd('getent', 'group', group), { okExitCodes: [0, 2] });
      const groupExists = groupLine.code === 0;
      if (groupExists && !isAppGroupLine(groupLine.stdout, ctx.app.slug))
        throw new Error(`A group named ${group} already exists on ${ctx.server.name} with other members: choose another slug.`);
      const groupArgs = groupExists ? ['--gid', group] : ['--user-group'];
      await transport.exec(cmd('useradd', '--system', ...groupArgs, '--home-dir', base, '--no-create-home', '--shell', APP_SHELL, user));
    }
    const groups = (await transport.exec(cmd('id', '-nG', NGINX_USER))).stdout.split(/\s+/);
    const joined = !groups.includes(group);
    if (joined) await transport.exec(and(cmd('usermod', '-aG', group, NGINX_USER)));
    if (exists && !joined) return unchanged(`user ${user} exists; nginx reads through group ${group}`);
    if (joined) ctx.reload.add('nginx'); // nginx workers pick up the new group on reload
    return changed([!exists && `created user ${user}`, joined && `${NGINX_USER} joined group ${group}`].filter(Boolean).join('; '));
  },
};
