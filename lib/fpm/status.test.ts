import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { render } from '@/lib/remote/command';
import { sections } from '@/lib/recipes/sections';
import { counterIncrease, bucketOf } from './increase';
import { isUnixSocket, parseFpmStatus, statusCommand, statusScript } from './status';

// Real cgi-fcgi output of php-fpm 8.2's JSON status page (CRLF headers included): an idle pool,
// the same pool with both of its 2 children busy and max children reached once, and after a
// reload (kill -USR2), whose start time is new and whose counters began again; and one read on
// berth-host-1 (scripts/testbed) from the pool poll.integration.test.ts saturates.
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
const SOCK = '/run/php/berth-shop.sock';

describe('parseFpmStatus', () => {
  it('reads every field of a real status page', () => {
    expect(parseFpmStatus(fixture('saturated.txt'), SOCK)).toEqual({
      pool: 'cap',
      startTime: 1795344463,
      active: 2,
      idle: 0,
      total: 2,
      maxActive: 2,
      maxChildrenReached: 1,
      slowRequests: 0,
      acceptedConn: 17,
      listenQueue: null,
    });
  });

  it('reads a pool on a test host after saturation', () => {
    expect(parseFpmStatus(fixture('testbed-host1.txt'), '/run/php/berth-fpmpoll.sock')).toMatchObject({
      pool: 'berth-fpmpoll',
      maxChildrenReached: 1,
      maxActive: 2,
      listenQueue: null,
    });
  });

  it('stores the listen queue as null on a unix socket (FPM says 0 there) and keeps it for TCP', () => {
    expect(parseFpmStatus(fixture('idle.txt'), SOCK)?.listenQueue).toBeNull();
    const tcp = fixture('idle.txt').replace('"listen queue":0', '"listen queue":4');
    expect(parseFpmStatus(tcp, '127.0.0.1:9000')?.listenQueue).toBe(4);
    expect(isUnixSocket('/run/php/x.sock')).toBe(true);
    expect(isUnixSocket('9000')).toBe(false);
  });

  it('gives no reading for anything that is not a status page', () => {
    expect(parseFpmStatus('', SOCK)).toBeNull(); // socket missing: the script printed nothing
    expect(parseFpmStatus(fixture('not-found.txt'), SOCK)).toBeNull(); // a pool without pm.status_path
    expect(parseFpmStatus('Could not connect to /run/php/berth-shop.sock', SOCK)).toBeNull();
    const full = fixture('idle.txt');
    expect(parseFpmStatus(full.slice(0, full.length - 20), SOCK)).toBeNull(); // cut off
    expect(parseFpmStatus(full.replace('"active processes":1', '"active processes":"1"'), SOCK)).toBeNull();
    expect(parseFpmStatus(full.replace('"accepted conn":1', '"accepted conn":-1'), SOCK)).toBeNull();
    expect(parseFpmStatus(full.replace(',"slow requests":0', ''), SOCK)).toBeNull();
    expect(parseFpmStatus('Status: 500 Internal Server Error\r\n\r\n{"pool":"x"}', SOCK)).toBeNull();
  });
});

describe('counterIncrease', () => {
  const idle = parseFpmStatus(fixture('idle.txt'), SOCK)!;
  const saturated = parseFpmStatus(fixture('saturated.txt'), SOCK)!;
  const restarted = parseFpmStatus(fixture('restarted.txt'), SOCK)!;

  it('is the growth since the previous reading of the same pool', () => {
    expect(counterIncrease(idle, saturated)).toEqual({ maxChildrenReached: 1, slowRequests: 0, acceptedConn: 16 });
    expect(counterIncrease(saturated, saturated)).toEqual({ maxChildrenReached: 0, slowRequests: 0, acceptedConn: 0 });
  });

  it('takes the new value whole after a restart (new start time)', () => {
    expect(restarted.startTime).not.toBe(saturated.startTime);
    expect(counterIncrease(saturated, restarted)).toEqual({ maxChildrenReached: 0, slowRequests: 0, acceptedConn: 1 });
    const busyAfterRestart = { ...restarted, maxChildrenReached: 3 };
    expect(counterIncrease(saturated, busyAfterRestart).maxChildrenReached).toBe(3);
  });

  it('treats a counter that went down as a restart, and counts nothing without a previous reading', () => {
    expect(counterIncrease({ ...saturated, acceptedConn: 100 }, saturated).acceptedConn).toBe(17);
    expect(counterIncrease(undefined, saturated)).toEqual({ maxChildrenReached: 0, slowRequests: 0, acceptedConn: 0 });
  });

  it('buckets on epoch-aligned boundaries', () => {
    const at = new Date('2026-05-01T10:37:42.500Z');
    expect(bucketOf(at, 60).toISOString()).toBe('2026-05-01T10:37:00.000Z');
    expect(bucketOf(at, 3600).toISOString()).toBe('2026-05-01T10:00:00.000Z');
    expect(bucketOf(at, 86_400).toISOString()).toBe('2026-05-01T00:00:00.000Z');
  });
});

describe('the status command', () => {
  it('is built from typed commands: the CGI variables through env, every word quoted', () => {
    expect(render(statusCommand(SOCK, '/berth-fpm-status'))).toBe(
      `{ 'test' '-S' '/run/php/berth-shop.sock' && { 'env' 'SCRIPT_NAME=/berth-fpm-status' 'SCRIPT_FILENAME=/berth-fpm-status' 'QUERY_STRING=json' 'REQUEST_METHOD=GET' 'timeout' '3' 'cgi-fcgi' '-bind' '-connect' '/run/php/berth-shop.sock'; }; } || 'true'`,
    );
  });

  it('reads every pool of a server in one script, a section per pool in order', () => {
    const s = statusScript(['shop', 'blog']);
    expect(s.kind).toBe('script');
    const text = render(s);
    expect(text.indexOf('/run/php/berth-shop.sock')).toBeLessThan(text.indexOf('/run/php/berth-blog.sock'));
    // The marker lines are what sections() splits on: an empty section stays in its place.
    expect(sections(`@@berth@@\n@@berth@@\n${fixture('idle.txt')}\n`)).toEqual(['', fixture('idle.txt').trim()]);
  });
});
