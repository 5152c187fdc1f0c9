import { appLayout } from '@/lib/plan/app-layout';
import { cmd } from '@/lib/remote/command';
import { changed, unchanged, type Task } from '../task';
import { groupMembers, isAppUserLine, NGINX_USER } from '../configure/app-user';
import type { TeardownContext } from './context';

export { isAppUserLine };

/** userdel's "user is currently used by a process": a killed process may take a moment to go. */
const USER_BUSY = 8;
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
    // nginx has left it: a group with members still is not the app's alone (configure refuses such a group; older apps may hold one).
    const groupLine = await transport.exec(cmd('getent', 'group', group), { okExitCodes: [0, 2] });
    const keptGroup = groupLine.code === 0 && groupMembers(groupLine.stdout).some((m) => m !== user);
    if (keptGroup) log(`kept group ${group}: it has other members`);
    else if (groupLine.code === 0) {
      await transport.exec(cmd('groupdel', group));
      done.push(`group ${group}`);
    } else if (done.length) done.push(`its group`);
    for (const what of done) log(`removed ${what}`);
    const summary = [done.length && `removed ${done.join(' and ')}`, keptGroup && `kept group ${group} (it has other members)`];
    return done.length ? changed(summary.filter(Boolean).join('; ')) : unchanged(summary[1] || `no user or group ${user}`);
  },
};
