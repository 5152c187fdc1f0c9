import { describe, expect, it } from 'vitest';
import { slugInput } from '@/lib/model/app-fields';
import { appLayout } from './app-layout';
import { acmeRenewalCronPath, legacyAcmeRenewalCronPath } from './tls-paths';

describe('the ACME renewal cron file', () => {
  it("can never be another app's own cron file: its name has a character no slug has", () => {
    for (const slug of ['shop', 'a', 'shop-acme', 'x-1']) {
      const path = acmeRenewalCronPath(slug);
      expect(path).toBe(`/etc/cron.d/berth-${slug}_acme`);
      expect(path).not.toBe(appLayout(`${slug}-acme`).cronPath); // the old name was exactly that file
      // The file name that would have to be a slug for a clash: refused by the slug rule.
      expect(slugInput.safeParse(path.slice('/etc/cron.d/berth-'.length)).success).toBe(false);
    }
    expect(legacyAcmeRenewalCronPath('shop')).toBe(appLayout('shop-acme').cronPath);
  });

  it('has a name cron reads from /etc/cron.d (letters, digits, - and _; a dot would make cron skip it)', () => {
    const name = acmeRenewalCronPath('shop-2').split('/').pop()!;
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
