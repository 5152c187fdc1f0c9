import { describe, expect, it } from 'vitest';
import { configPathsOf, restoreParts } from './engine-context';

describe('what a backup run covers', () => {
  it("lists every /etc path Berth writes for the app, by lib/plan's names", () => {
    expect(configPathsOf({ slug: 'shop', phpVersion: '8.3' })).toEqual([
      '/etc/nginx/sites-enabled/berth-shop.conf',
      '/etc/php/8.3/fpm/pool.d/berth-shop.conf',
      '/etc/supervisor/conf.d/berth-shop.conf',
      '/etc/cron.d/berth-shop',
      '/etc/nginx/berth-live/shop.conf',
      '/etc/supervisor/conf.d/berth-shop_web.conf',
      '/etc/nginx/conf.d/00-berth.conf',
      '/etc/berth/tls/shop',
      '/etc/letsencrypt/live/berth-shop',
      '/etc/letsencrypt/archive/berth-shop',
      '/etc/letsencrypt/renewal/berth-shop.conf',
      '/etc/cron.d/berth-shop_acme',
    ]);
  });

  it('restores what the operator asked for, everything by default', () => {
    expect(restoreParts(null)).toEqual({ database: true, files: true });
    expect(restoreParts({ into: 'new-database' })).toEqual({ database: true, files: false });
    expect(restoreParts({ into: 'side-path' })).toEqual({ database: false, files: true });
  });
});
