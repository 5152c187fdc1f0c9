import { describe, expect, it } from 'vitest';
import { checkPrivateKey, connectFailure } from './connect-failure';
import { ConnectError, HostKeyMismatchError, RemoteError, stderrTail } from './errors';

const target = { name: 'web-1', host: '203.0.113.7', port: 22, username: 'deploy' };

describe('RemoteError', () => {
  it('says where, what and how it failed, with the stderr tail', () => {
    const e = new RemoteError('web-1', `'ls' '/nope'`, 2, 'ls: cannot access');
    expect(e.message).toBe(`On web-1: 'ls' '/nope' exited with code 2\nls: cannot access`);
    expect(e).toMatchObject({ serverName: 'web-1', exitCode: 2, failure: 'exit' });
    expect(new RemoteError('web-1', `'sleep' '30'`, null, '', 'timeout', '2 s').message).toBe(`On web-1: 'sleep' '30' timed out after 2 s`);
  });

  it('keeps only the last 20 lines of stderr, and redacts credential patterns on its own', () => {
    const stderr = `${Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n')}\nDB_PASSWORD=hunter2\n`;
    const tail = stderrTail(stderr);
    expect(tail.split('\n')).toHaveLength(20);
    expect(tail).toMatch(/^line 12\n/);
    expect(tail).toMatch(/DB_PASSWORD=\[redacted\]$/);
    expect(new RemoteError('w', `'x' 'token=abc'`, 1, '').command).toBe(`'x' 'token=[redacted]'`);
  });
});

describe('ConnectError and HostKeyMismatchError', () => {
  it('carry both fingerprints', () => {
    const e = new HostKeyMismatchError('web-1', 'SHA256:aaa', 'SHA256:bbb');
    expect(e.message).toMatch(/pinned SHA256:aaa, the server presented SHA256:bbb/);
    expect(e).toMatchObject({ expectedFingerprint: 'SHA256:aaa', actualFingerprint: 'SHA256:bbb' });
  });

  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 203.0.113.7:22' }, 'refused', /connection refused by 203\.0\.113\.7:22/],
    [{ level: 'client-timeout', message: 'Timed out while waiting for handshake' }, 'timeout', /timed out after 2\.5 s/],
    [
      { level: 'client-authentication', message: 'All configured authentication methods failed' },
      'auth',
      /authentication failed for user deploy: the server does not accept this key/,
    ],
    [{ code: 'EHOSTUNREACH', message: '' }, 'unreachable', /unreachable/],
    [
      { level: 'handshake', message: 'Handshake failed: no matching key exchange algorithm' },
      'protocol',
      /no key exchange algorithm Berth supports/,
    ],
    [{ level: 'client-timeout', message: 'Keepalive timeout' }, 'timeout', /stopped answering/],
    [{ code: 'EWEIRD', message: 'raw internals /usr/lib/x.js:12' }, 'protocol', /failed \(EWEIRD\)$/],
  ])('maps %o to %s in plain words, never the raw message', (raw: { message: string; code?: string; level?: string }, failure, message) => {
    const e = connectFailure(target, Object.assign(new Error(raw.message), raw), 2500);
    expect(e).toBeInstanceOf(ConnectError);
    expect(e.failure).toBe(failure);
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(/^Cannot connect to web-1: /);
    if (raw.message) expect(e.message).not.toContain(raw.message);
  });
});

describe('checkPrivateKey', () => {
  it('tells an operator what is wrong with the key text', () => {
    expect(checkPrivateKey('hello')).toMatch(/not a valid private key/);
    expect(checkPrivateKey('')).toMatch(/not a valid private key/);
    expect(checkPrivateKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIICxv92k/Go+n+LSkKeDF664T8wt8eo5REJb0zKgpR98 x')).toMatch(/public key/);
  });
});
