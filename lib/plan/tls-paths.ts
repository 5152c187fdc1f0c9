/** Where an app's certificate lives on a server, per TLS mode. nginx reads both as root. */

/** certbot's lineage name: one per app on each server, so `certbot renew --cert-name` can target it. */
export const acmeCertName = (slug: string) => `berth-${slug}`;

export function acmePaths(slug: string) {
  const live = `/etc/letsencrypt/live/${acmeCertName(slug)}`;
  return { certificate: `${live}/fullchain.pem`, key: `${live}/privkey.pem` };
}

/** certbot keeps renewing a lineage while this file exists; `certbot delete` removes it with the keys. */
export const acmeRenewalConfPath = (slug: string) => `/etc/letsencrypt/renewal/${acmeCertName(slug)}.conf`;

export function uploadedPaths(slug: string) {
  const dir = `/etc/berth/tls/${slug}`;
  return { dir, certificate: `${dir}/fullchain.pem`, key: `${dir}/privkey.pem` };
}

/**
 * Renewal with a private ACME CA's bundle (BERTH_ACME_CA_BUNDLE): Debian's own certbot cron job
 * runs without it. `_` because a slug cannot contain one, so no app's own cron file
 * (/etc/cron.d/berth-<slug>) can have this name; cron(8) on Debian reads /etc/cron.d names made
 * of letters, digits, `-` and `_` (and ignores names with a dot).
 */
export const acmeRenewalCronPath = (slug: string) => `/etc/cron.d/berth-${slug}_acme`;

/** The name Berth used before, which is app `<slug>-acme`'s own cron file: removed only when it is the renewal file. */
export const legacyAcmeRenewalCronPath = (slug: string) => `/etc/cron.d/berth-${slug}-acme`;
