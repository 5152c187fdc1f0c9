import { appLayout } from '@/lib/plan/app-layout';
import { acmeRenewalConfPath, acmeRenewalCronPath, legacyAcmeRenewalCronPath, uploadedPaths } from '@/lib/plan/tls-paths';
import { webSlots } from '@/lib/plan/web-slots';
import { cmd } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';

/**
 * What is left of an app on a server, as lines naming each thing found (empty: nothing). What it
 * checks, all named by the slug (lib/plan/app-layout.ts, web-slots.ts, tls-paths.ts):
 * - user and group: the app's unix user and group, processes running as the user, nginx still in the group;
 * - directories: /var/www/<slug> (releases, shared, current, slot links; the user's home) and /var/log/berth/<slug>;
 * - vhost: sites-enabled/berth-<slug>.conf, the live-slot include, nginx's access logs;
 * - pool: a pool file under any PHP version, the FPM socket;
 * - programs: supervisor's files for workers and web slots, and anything supervisorctl still lists for the app;
 * - cron: /etc/cron.d/berth-<slug> and the ACME renewal file (either name);
 * - certs: the uploaded certificate directory, certbot's renewal config, live and archive lineage.
 */
export async function appLeftovers(transport: Transport, slug: string): Promise<string[]> {
  const l = appLayout(slug);
  const s = webSlots(slug);
  const lineage = `berth-${slug}`;
  const paths = [
    l.base,
    l.logDir,
    l.vhostPath,
    s.livePath,
    l.fpmSocket,
    l.supervisorPath,
    s.supervisorPath,
    l.cronPath,
    acmeRenewalCronPath(slug),
    legacyAcmeRenewalCronPath(slug),
    uploadedPaths(slug).dir,
    acmeRenewalConfPath(slug),
    `/etc/letsencrypt/live/${lineage}`,
    `/etc/letsencrypt/archive/${lineage}`,
  ];
  const found: string[] = [];
  // stat -c %n prints the paths that exist (links not followed: a dangling link is a leftover too).
  const stat = await transport.exec(cmd('stat', '-c', '%n', ...paths), { okExitCodes: [0, 1] });
  found.push(...stat.stdout.split('\n').filter((p) => paths.includes(p)));
  const pools = await transport.exec(cmd('find', '/etc/php', '-path', '*/fpm/pool.d/*', '-name', `berth-${slug}.conf`));
  found.push(...pools.stdout.split('\n').filter(Boolean));
  const logs = await transport.exec(cmd('find', '/var/log/nginx', '-maxdepth', '1', '-name', `berth-${slug}.access.log*`));
  found.push(...logs.stdout.split('\n').filter(Boolean));
  if ((await transport.exec(cmd('id', '-u', l.user), { okExitCodes: [0, 1] })).code === 0) found.push(`user ${l.user}`);
  if ((await transport.exec(cmd('getent', 'group', l.group), { okExitCodes: [0, 2] })).code === 0) found.push(`group ${l.group}`);
  const procs = await transport.exec(cmd('pgrep', '-u', l.user, '-a'), { okExitCodes: [0, 1, 2] });
  found.push(
    ...procs.stdout
      .split('\n')
      .filter(Boolean)
      .map((p) => `process ${p}`),
  );
  // supervisorctl status exits 3 when a listed program is not running, 4 for "no such group".
  const programs = await transport.exec(cmd('supervisorctl', 'status'), { okExitCodes: [0, 3, 4] });
  found.push(
    ...programs.stdout
      .split('\n')
      .filter((line) => line.startsWith(`berth-${slug}:`) || line.startsWith(`berth-${slug}_web-`))
      .map((line) => `program ${line.split(/\s+/)[0]}`),
  );
  return found;
}
