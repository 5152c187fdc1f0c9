/** Where an app's certificate lives on a server, per TLS mode. nginx reads both as root. */

/** certbot's lineage name: one per app on each server, so `certbot renew --cert-name` can target it. */
export const acmeCertName = (slug: string) => `berth-${slug}`;

export function acmePaths(slug: string) {
  const live = `/etc/letsencrypt/live/${acmeCertName(slug)}`;
  return { certificate: `${live}/fullchain.pem`, key: `${live}/privkey.pem` };
}

export function uploadedPaths(slug: string) {
  const dir = `/etc/berth/tls/${slug}`;
  return { dir, certificate: `${dir}/fullchain.pem`, key: `${dir}/privkey.pem` };
}

/** Renewal with a private ACME CA's bundle (BERTH_ACME_CA_BUNDLE): Debian's own certbot cron job runs without it. */
export const acmeRenewalCronPath = (slug: string) => `/etc/cron.d/berth-${slug}-acme`;
