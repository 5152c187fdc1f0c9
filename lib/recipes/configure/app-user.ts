import { and, cmd } from '@/lib/remote/command';
import { appLayout } from '@/lib/plan/app-layout';
import { changed, unchanged, type Task } from '../task';
import type { ConfigureContext } from './context';

/** nginx reads app files through the app's group; it never gets write access. */
const NGINX_USER = 'www-data';

/**
 * One unix user and group per app, with no login shell. nginx joins the group to read the
 * app's files; other apps' users do not, so they cannot read this app's files (.env included).
 */
export const appUser: Task<ConfigureContext> = {
  name: 'app-user',
  async run(ctx, { transport }) {
    const { user, group, base } = appLayout(ctx.app.slug);
    const exists = (await transport.exec(cmd('id', '-u', user), { okExitCodes: [0, 1] })).code === 0;
    if (!exists) {
      // The group can outlive a deleted user (userdel keeps a group that still has members).
      const groupExists = (await transport.exec(cmd('getent', 'group', group), { okExitCodes: [0, 2] })).code === 0;
      const groupArgs = groupExists ? ['--gid', group] : ['--user-group'];
      await transport.exec(
        cmd('useradd', '--system', ...groupArgs, '--home-dir', base, '--no-create-home', '--shell', '/usr/sbin/nologin', user),
      );
    }
    const groups = (await transport.exec(cmd('id', '-nG', NGINX_USER))).stdout.split(/\s+/);
    const joined = !groups.includes(group);
    if (joined) await transport.exec(and(cmd('usermod', '-aG', group, NGINX_USER)));
    if (exists && !joined) return unchanged(`user ${user} exists; nginx reads through group ${group}`);
    if (joined) ctx.reload.add('nginx'); // nginx workers pick up the new group on reload
    return changed([!exists && `created user ${user}`, joined && `${NGINX_USER} joined group ${group}`].filter(Boolean).join('; '));
  },
};
