import { describe, expect, it } from 'vitest';
import { and, cmd, script } from '@/lib/remote/command';
import { RemoteError } from '@/lib/remote/errors';
import { RecordingTransport } from '@/test-support/recording-transport';

describe('RecordingTransport (a fake for recipe unit tests)', () => {
  it('records the exact rendered text and answers from the responder', async () => {
    const fake = new RecordingTransport('web-1', (text) => (text.startsWith(`'cat'`) ? { stdout: 'a\nb\n' } : undefined));
    const lines: string[] = [];
    const r = await fake.exec(cmd('cat', '/etc/hostname'), { onLine: (_s, l) => lines.push(l) });
    await fake.runScript(script(cmd('mkdir', '-p', '/srv/app'), and(cmd('a'), cmd('b'))));
    expect(r).toMatchObject({ code: 0, stdout: 'a\nb\n' });
    expect(lines).toEqual(['a', 'b']);
    expect(fake.commands).toEqual([`'cat' '/etc/hostname'`, `set -eu\n{\n'mkdir' '-p' '/srv/app'\n'a' && 'b' || exit $?\n} </dev/null\n`]);
  });

  it('checks exit codes like the real transport, with redaction', async () => {
    const fake = new RecordingTransport('web-1', () => ({ code: 2, stderr: 'bad token=abc123' }));
    const err = await fake.exec(cmd('x'), { secrets: ['abc123'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).message).toBe(`On web-1: 'x' exited with code 2\nbad token=[redacted]`);
    await expect(fake.exec(cmd('x'), { okExitCodes: [0, 2] })).resolves.toMatchObject({ code: 2 });
  });

  it('keeps uploads, validates them like the real one, and serves them to readFile', async () => {
    const fake = new RecordingTransport();
    await fake.upload('APP_KEY=x', '/srv/app/.env', { mode: 0o640, owner: 'deploy', group: 'www-data' });
    expect(fake.calls[0]).toMatchObject({ kind: 'upload', path: '/srv/app/.env', mode: 0o640, owner: 'deploy', group: 'www-data' });
    expect((await fake.readFile('/srv/app/.env')).toString()).toBe('APP_KEY=x');
    await expect(fake.readFile('/nope')).rejects.toThrow(/no such file/);
    await expect(fake.upload('x', 'relative/path', { mode: 0o600 })).rejects.toThrow(/absolute/);
    await expect(fake.upload('x', '/a', { mode: 0o600, owner: 'Bad Name' })).rejects.toThrow(/user or group/);
  });
});
