import { describe, expect, it } from 'vitest';
import { render } from '@/lib/remote/command';
import { opcacheStatusScript, parseOpcacheStatus } from './opcache';

// The dashboard's OPcache read: what it sends and how it reads the answer. The integration test
// of the warm-up (lib/releases/opcache-warmup.integration.test.ts) reads it from real pools.
const body = (json: object) =>
  `X-Powered-By: PHP/8.2.29\r\nContent-type: text/plain;charset=UTF-8\r\n\r\n\nBERTH-OPCACHE-STATUS ${JSON.stringify(json)}\n`;
const ENABLED = {
  enabled: true,
  used: 9_400_000,
  free: 124_800_000,
  wasted: 0,
  cachedScripts: 96,
  maxKeys: 16229,
  hits: 1200,
  misses: 96,
  oomRestarts: 0,
  startTime: 1_796_000_000,
  app: { scripts: 84, bytes: 1_300_000 },
  releases: { '1': { scripts: 42, bytes: 650_000 }, '2': { scripts: 42, bytes: 650_000 } },
};

describe('parseOpcacheStatus', () => {
  it('reads the master’s memory and the app’s scripts per release', () => {
    expect(parseOpcacheStatus(body(ENABLED))).toEqual(ENABLED);
    // PHP's json_encode of an empty array is [], which (object) turns into {}.
    expect(parseOpcacheStatus(body({ ...ENABLED, releases: {} }))).toMatchObject({ releases: {} });
  });

  it('says disabled, and refuses anything that is not the script’s answer', () => {
    expect(parseOpcacheStatus(body({ enabled: false }))).toEqual({ enabled: false });
    expect(parseOpcacheStatus('Status: 404 Not Found\r\n\r\nFile not found.\n')).toBeNull();
    expect(parseOpcacheStatus(body({ ...ENABLED, releases: { '../x': { scripts: 1, bytes: 1 } } }))).toBeNull();
  });
});

describe('opcacheStatusScript', () => {
  it('writes, runs and removes a script of its own in the app’s base directory, as the app user, in one round trip', () => {
    const text = render(opcacheStatusScript('shop', 'abc123'));
    const file = '/var/www/shop/.berth-opcache-status-abc123.php';
    expect(text).toContain(`'runuser' '-u' 'shop' '--' 'sh' '-c'`);
    expect(text).toContain(`'SCRIPT_FILENAME=${file}'`);
    expect(text).toContain("'cgi-fcgi' '-bind' '-connect' '/run/php/berth-shop.sock'");
    expect(text.trim().split('\n').at(-2)).toBe(`'runuser' '-u' 'shop' '--' 'rm' '-f' '${file}'`);
    expect(render(opcacheStatusScript('shop'))).not.toBe(render(opcacheStatusScript('shop')));
  });
});
