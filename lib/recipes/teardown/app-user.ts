import { appLayout } from '@/lib/plan/app-layout';
import { cmd } from '@/lib/remote/command';
import { changed, unchanged, type Task } from '../task';
import type { TeardownContext } from './context';

const NGINX_USER = 'www-data';
/** userdel's "user is currently used by a process": a killed process may take a moment to go. */
const USER_BUSY = 8;
/** The shell configure/app-user.ts gives every app user. */
const APP_SHELL = '/usr/sbin/nologin';

/**
 * Whether `getent passwd <slug>`'s line is a user configure/app-user.ts made: home /var/www/<slug>,
 * no login shell. A slug can name a user that was on the host before Berth (an operator's `admin`
 * or `deploy`, the login user Berth itself connects as): configure adopted it, and killing its
 * processes and deleting it would lock people out of the machine.
 */
export function isAppUserLine(passwdLine: string, slug: string): boolean {
  const fields = passwdLine.trim().split(':');
  return fields.length === 7 && fields[0] === slug && fields[5] === appLayout(slug).base && fields[6] === APP_SHELL;
}

/**
 * The app's unix user and group (configure/app-user.ts made them). Its programs and pool are gone
 * by now; whatever still runs as it (a cron job in flight, a stray shell) is killed, since userdel
 * refuses a user with processes. nginx leaves the group first: userdel keeps a group with members.
 * A user (and its group) that Berth did not make is kept, and the summary says so.
 */
export const removeAppUser: Task<TeardownContext> = {
  name: 'app-user',
  async run(ctx, { transport, log }) {
    const { user, group } = appLayout(ctx.app.slug);
    const done: string[] = [];
    const groupExists = async () => (await transport.exec(cmd('getent', 'group', group), { okExitCodes: [0, 2] })).code === 0;
    // gpasswd -d exits 3 when nginx was not a member.
    if (await groupExists()) await transport.exec(cmd('gpasswd', '-d', NGINX_USER, group), { okExitCodes: [0, 3] });
    const passwd = await transport.exec(cmd('getent', 'passwd', user), { okExitCodes: [0, 2] });
    if (passwd.code === 0 && !isAppUserLine(passwd.stdout, ctx.app.slug)) {
      log(`kept user ${user}: its home or shell is not the app's, so Berth did not make it`);
      return unchanged(`kept user and group ${user} (not made by Berth); nginx left its group`);
    }
    if (passwd.code === 0) {
      for (let attempt = 1; ; attempt++) {
        // pkill: 0 killed some, 1 found none.
        await transport.exec(cmd('pkill', '-KILL', '-u', user), { okExitCodes: [0, 1] });
        const del = await transport.exec(cmd('userdel', user), { okExitCodes: attempt < 5 ? [0, USER_BUSY] : [0] });
        if (del.code === 0) break;
        await transport.exec(cmd('sleep', '1'));
      }
      done.push(`user ${user}`);
    }
    if (await groupExists()) {
      await transport.exec(cmd('groupdel', group));
      done.push(`group ${group}`);
    } else if (done.length) done.push(`its group`);
    for (const what of done) log(`removed ${what}`);
    return done.length ? changed(`removed ${done.join(' and ')}`) : unchanged(`no user or group ${user}`);
  },
};
