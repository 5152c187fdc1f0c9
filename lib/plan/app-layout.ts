/** Where an app lives on a server, and the names derived from its slug. */
export function appLayout(slug: string) {
  const base = `/var/www/${slug}`;
  return {
    user: slug,
    group: slug,
    base,
    releases: `${base}/releases`,
    shared: `${base}/shared`,
    current: `${base}/current`,
    acmeWebroot: `${base}/acme`,
    fpmSocket: `/run/php/berth-${slug}.sock`,
    fpmStatusPath: '/berth-fpm-status',
    logDir: `/var/log/berth/${slug}`,
    // Root's directory, not logDir: nginx opens its logs as root, and the app user owns logDir (a
    // link planted there would make root append to any file). Debian's nginx logrotate covers it.
    accessLog: `/var/log/nginx/berth-${slug}.access.log`,
    vhostPath: `/etc/nginx/sites-enabled/berth-${slug}.conf`,
    poolPath: (phpVersion: string) => `/etc/php/${phpVersion}/fpm/pool.d/berth-${slug}.conf`,
    supervisorPath: `/etc/supervisor/conf.d/berth-${slug}.conf`,
    cronPath: `/etc/cron.d/berth-${slug}`,
  };
}
