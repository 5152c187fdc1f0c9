import { afterAll, describe, expect, it } from 'vitest';
import { issue, makeCa, removeCa } from '@/test-support/tls-fixtures';
import { appConfigInput } from '@/lib/model/app-config';
import { render } from '@/lib/remote/command';
import type { ConfigureContext } from './context';
import { certbotCommand, certbotMessage, deployHook, fitsDomains } from './tls-acme';

// The exact commands certbot gets; that they work is proved against Pebble (tls.integration.test.ts).
const ctx = (tls: object, init: 'none' | 'systemd' = 'none'): ConfigureContext => ({
  app: appConfigInput.parse({ slug: 'shop', kind: 'static', domains: ['shop.test', 'www.shop.test'], tls }),
  server: { name: 's1', bindAddress: null, phpVersions: [] },
  roles: ['web'],
  facts: { os: 'debian', osVersion: '12', init, cpus: 1, memoryMb: 1, diskGb: 1 },
  reload: new Set(),
});

describe('certbot for an app', () => {
  it('asks for exactly the app domains over the webroot, and keeps the server and hook for renewals', () => {
    const command = certbotCommand(ctx({ mode: 'acme', acmeEmail: 'ops@shop.test' }), { directory: 'https://acme.example/dir' });
    expect(render(command)).toBe(
      "'certbot' 'certonly' '--webroot' '-w' '/var/www/shop/acme' '--cert-name' 'berth-shop' '-d' 'shop.test' '-d' 'www.shop.test' " +
        "'--non-interactive' '--agree-tos' '-m' 'ops@shop.test' '--server' 'https://acme.example/dir' '--deploy-hook' '/etc/berth/certbot-deploy-hook'",
    );
  });

  it('registers without an email when none is set, trusts a private CA bundle; the hook reloads nginx, through systemd where it runs', () => {
    const text = render(
      certbotCommand(ctx({ mode: 'acme' }, 'systemd'), { directory: 'https://127.0.0.1:14000/dir', caBundle: '/etc/berth/acme-ca.pem' }),
    );
    expect(text).toMatch(/^'env' 'REQUESTS_CA_BUNDLE=\/etc\/berth\/acme-ca.pem' 'certbot' 'certonly'/);
    expect(text).toContain("'--register-unsafely-without-email'");
    expect(deployHook(ctx({ mode: 'acme' }, 'systemd'))).toMatch(/\nexec 'systemctl' 'reload' 'nginx'\n$/);
    expect(deployHook(ctx({ mode: 'acme' }))).toMatch(/^#!\/bin\/sh\n#.*\nexec 'nginx' '-s' 'reload'\n$/);
  });

  it("keeps the CA's problem and drops certbot's banners", () => {
    const stdout =
      'Requesting a certificate for bad.test\n\nCertbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:\n  Domain: bad.test\n  Type:   unauthorized\n  Detail: 127.0.0.12: Invalid response from http://bad.test/.well-known/acme-challenge/x: 404\n\nHint: The Certificate Authority failed to download the temporary challenge files created by Certbot.\n';
    const stderr =
      'Saving debug log to /var/log/letsencrypt/letsencrypt.log\nSome challenges have failed.\nAsk for help or search for solutions at https://community.letsencrypt.org. See the logfile /var/log/letsencrypt/letsencrypt.log or re-run Certbot with -v for more details.\n';
    const message = certbotMessage({ stdout, stderr });
    expect(message).toMatch(/^Certbot failed to authenticate some domains/);
    expect(message).toContain('  Type:   unauthorized');
    expect(message).toContain('Some challenges have failed.');
    expect(message).not.toMatch(/Saving debug log|Ask for help|Requesting a certificate/);
  });
});

describe('an existing certbot certificate', () => {
  const ca = makeCa();
  afterAll(() => removeCa(ca));

  it('is kept only for exactly the app domains, and not inside the 30-day renewal window', () => {
    const both = issue(ca, ['shop.test', 'www.shop.test']).certPem;
    expect(fitsDomains(both, ['www.shop.test', 'shop.test'], Date.now() - 86_400_000)).toBe(true);
    expect(fitsDomains(both, ['shop.test'])).toBe(false); // a domain was removed: issue again
    expect(fitsDomains(both, ['shop.test', 'www.shop.test', 'api.shop.test'])).toBe(false);
    expect(fitsDomains(both, ['shop.test', 'www.shop.test'], Date.now())).toBe(false); // 30-day cert: inside the window
    expect(fitsDomains('garbage', ['shop.test'])).toBe(false);
  });
});
