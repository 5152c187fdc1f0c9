/**
 * exec with a stream on stdin (what a release's extract pipes into tar), against a REAL test host.
 * Fails, never skips, without the test bed.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { and, cmd, redirect } from './command';
import { closeAll } from './connection';
import { RemoteError } from './errors';
import { testHost, testTarget } from '@/test-support/test-hosts';
import { SshTransport } from './transport';

const transport = () => new SshTransport(testTarget(testHost('berth-host-1')));
const CHUNK = 64 * 1024;

/** `chunks` × 64 KB of bytes that differ per chunk, made as they are read; `failAt` makes it error there instead. */
function generated(chunks: number, failAt?: number) {
  const hash = createHash('sha256');
  let i = 0;
  const stream = new Readable({
    read() {
      if (i === failAt) return this.destroy(new Error('disk read failed (test)'));
      if (i === chunks) return this.push(null);
      const chunk = Buffer.alloc(CHUNK, i++ % 251);
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

afterAll(closeAll);

describe('exec with a streamed stdin', () => {
  it('delivers every byte of a 48 MB stream, in order', async () => {
    const { stream, digest } = generated(768);
    const r = await transport().exec(cmd('sha256sum'), { stdin: stream });
    expect(r.stdout.split(' ')[0]).toBe(digest());
  });

  it('resolves when the command ends before reading everything, and stops reading', async () => {
    const { stream } = generated(16_384); // 1 GB: would take a while if it were all sent
    const started = Date.now();
    const r = await transport().exec(cmd('head', '-c', '10'), { stdin: stream });
    expect(r.stdout).toHaveLength(10);
    expect(stream.destroyed).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a stream that fails to read kills the command rather than ending its input early', async () => {
    const t = transport();
    const file = `/tmp/berth-stdin-${process.pid}`;
    const { stream } = generated(1000, 40);
    const err = (await t
      .exec(and(redirect(cmd('cat'), file), cmd('touch', `${file}.done`)), { stdin: stream })
      .catch((e: unknown) => e)) as RemoteError;
    expect(err).toBeInstanceOf(RemoteError);
    expect(err.message).toMatch(/could not read what goes to stdin: disk read failed \(test\)/);
    // cat was killed with its process group, so the step after it never ran.
    expect((await t.exec(cmd('test', '-e', `${file}.done`), { okExitCodes: [0, 1] })).code).toBe(1);
    await t.exec(cmd('rm', '-f', file, `${file}.done`));
  });
});
