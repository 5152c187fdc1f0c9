import { describe, expect, it } from 'vitest';
import { appConfigInput } from '@/lib/model/app-config';
import { appLayout } from '@/lib/plan/app-layout';
import { RecordingTransport } from '@/test-support/recording-transport';
import { renderCron } from '@/lib/templates/cron';
import type { ConfigureContext } from './context';
import { settleTlsPaths } from './tls';
import { isLegacyRenewalCron, removeUnusedTls } from './tls-cleanup';

// Which commands the cleanup and the vhost's certificate choice send; tls.integration.test.ts proves them on a host.
const ctx = (mode: 'none' | 'acme' | 'uploaded', roles: ConfigureContext['roles'] = ['web']): ConfigureContext => ({
  app: appConfigInput.parse({ slug: 'shop', kind: 'static', domains: ['shop.test'], tls: { mode } }),
  server: { name: 's1', bindAddress: null, phpVersions: [] },
  roles,
  reload: new Set(),
});

const UPLOADED_DIR = '/etc/berth/tls/shop';
const RENEWAL_CONF = '/etc/letsencrypt/renewal/berth-shop.conf';
const CRON = '/etc/cron.d/berth-shop_acme';
const LEGACY = '/etc/cron.d/berth-shop-acme';
const LEGACY_RENEWAL =
  '# Managed by Berth: changes here are overwritten at the next configure.\nSHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n' +
  "31 */12 * * * root 'env' 'REQUESTS_CA_BUNDLE=/etc/berth/ca.pem' 'certbot' '-q' 'renew' '--cert-name' 'berth-shop' '--no-random-sleep-on-renew'\n";

/** A server on which `present` exist (and the legacy file holds `legacy`). */
function server(present: string[], legacy = LEGACY_RENEWAL) {
  return new RecordingTransport('s1', (text) => {
    if (text.startsWith("'stat' '-L' '-c' '%n'"))
      return {
        code: 1,
        stdout: present
          .filter((p) => text.includes(`'${p}'`))
          .map((p) => `${p}\n`)
          .join(''),
      };
    if (text === `'cat' '${LEGACY}'`) return present.includes(LEGACY) ? { stdout: legacy } : { code: 1 };
    if (text.startsWith("'cat' ")) return { stdout: 'x\n' };
  });
}
const io = (transport: RecordingTransport) => ({ transport, log: () => {}, signal: new AbortController().signal });

describe('the renewal file under its old name', () => {
  it("is told apart from app shop-acme's own cron file, which has that name too", () => {
    expect(isLegacyRenewalCron(LEGACY_RENEWAL, 'shop')).toBe(true);
    expect(isLegacyRenewalCron(LEGACY_RENEWAL, 'sho')).toBe(false);
    const appCron = renderCron({
      slug: 'shop-acme',
      user: 'shop-acme',
      directory: appLayout('shop-acme').current,
      entries: [{ schedule: '0 3 * * *', argv: ['certbot', '-q', 'renew', '--cert-name', 'berth-shop', 'x'] }],
    });
    expect(isLegacyRenewalCron(appCron, 'shop')).toBe(false); // runs as shop-acme, not root
    expect(isLegacyRenewalCron(LEGACY_RENEWAL.replace(/^# .*\n/, '# mine\n'), 'shop')).toBe(false); // not Berth's
  });
});

describe('what a mode or role leaves behind', () => {
  it('mode none: the uploaded key, the renewal file and the certbot lineage go; the job forgets the record', async () => {
    const t = server([UPLOADED_DIR, RENEWAL_CONF, CRON]);
    const c = ctx('none');
    expect(await removeUnusedTls(c, io(t))).toEqual([UPLOADED_DIR, CRON, 'certbot lineage berth-shop']);
    expect(t.commands).toContain(`'rm' '-rf' '${UPLOADED_DIR}'`);
    expect(t.commands).toContain(`'rm' '-f' '${CRON}'`);
    expect(t.commands).toContain("'certbot' 'delete' '--cert-name' 'berth-shop' '--non-interactive'");
    expect(c.acmeCertificateGone).toBe(true);
  });

  it('mode acme keeps the lineage and its renewal file; uploaded keeps the key; a worker-only server keeps nothing', async () => {
    const acme = server([UPLOADED_DIR, RENEWAL_CONF, CRON]);
    const a = ctx('acme');
    expect(await removeUnusedTls(a, io(acme))).toEqual([UPLOADED_DIR]);
    expect(a.acmeCertificateGone).toBeUndefined();

    const uploaded = server([UPLOADED_DIR, RENEWAL_CONF]);
    expect(await removeUnusedTls(ctx('uploaded'), io(uploaded))).toEqual(['certbot lineage berth-shop']);
    expect(uploaded.commands.some((c) => c.includes("'rm' '-rf'"))).toBe(false);

    const worker = server([UPLOADED_DIR, RENEWAL_CONF]);
    expect(await removeUnusedTls(ctx('uploaded', ['worker']), io(worker))).toEqual([UPLOADED_DIR, 'certbot lineage berth-shop']);
  });

  it('removes the old-named renewal file only when it is the renewal file, and nothing when nothing is there', async () => {
    const old = server([LEGACY]);
    expect(await removeUnusedTls(ctx('acme'), io(old))).toEqual([LEGACY]);
    expect(old.commands).toContain(`'rm' '-f' '${LEGACY}'`);
    const appsOwn = server(
      [LEGACY],
      "# Managed by Berth: changes here are overwritten at the next configure.\n0 3 * * * shop-acme 'cd' '/var/www/shop-acme/current' && 'true'\n",
    );
    expect(await removeUnusedTls(ctx('acme'), io(appsOwn))).toEqual([]);
    expect(appsOwn.commands.some((c) => c.startsWith("'rm'"))).toBe(false);
    const clean = server([]);
    expect(await removeUnusedTls(ctx('acme'), io(clean))).toEqual([]);
    expect(clean.commands).toHaveLength(1); // one look
  });
});

describe('the certificate the vhost names while the mode changes', () => {
  const live = { certificate: '/etc/letsencrypt/live/berth-shop/fullchain.pem', key: '/etc/letsencrypt/live/berth-shop/privkey.pem' };
  const uploaded = { certificate: `${UPLOADED_DIR}/fullchain.pem`, key: `${UPLOADED_DIR}/privkey.pem` };
  const sized = (present: string[]) =>
    new RecordingTransport('s1', (text) => ({
      code: 1,
      stdout: present
        .filter((p) => text.includes(`'${p}'`))
        .map((p) => `1234 ${p}\n`)
        .join(''),
    }));

  it('keeps the uploaded certificate while ACME has none yet, and ACME while no upload is on the server', async () => {
    const toAcme = ctx('acme');
    await settleTlsPaths(toAcme, sized([uploaded.certificate, uploaded.key]), () => {});
    expect(toAcme.tlsPaths).toEqual(uploaded);

    const toUploaded = { ...ctx('uploaded'), tlsPaths: uploaded };
    await settleTlsPaths(toUploaded, sized([live.certificate, live.key]), () => {});
    expect(toUploaded.tlsPaths).toEqual(live);
  });

  it("prefers the mode's own certificate, and is HTTP only when none is there or TLS is off", async () => {
    const both = [live.certificate, live.key, uploaded.certificate, uploaded.key];
    const acme = ctx('acme');
    await settleTlsPaths(acme, sized(both), () => {});
    expect(acme.tlsPaths).toEqual(live);
    const bare = ctx('acme');
    await settleTlsPaths(bare, sized([uploaded.certificate]), () => {}); // a chain without its key is no use
    expect(bare.tlsPaths).toBeUndefined();
    const off = { ...ctx('none'), tlsPaths: live };
    await settleTlsPaths(off, sized(both), () => {});
    expect(off.tlsPaths).toBeUndefined();
  });
});
