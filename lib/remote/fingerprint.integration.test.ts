import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTestHosts, testbedDir } from '@/test-support/test-hosts';
import { fingerprintOf, publicKeyLine } from './fingerprint';

// Against the keys the test hosts really serve; fingerprint.test.ts covers fresh keys of each type.
const keygenFingerprint = (file: string) => execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).split(' ')[1];
const blobOf = (line: string) => Buffer.from(line.trim().split(/\s+/)[1]!, 'base64');

describe('fingerprintOf on the test bed', () => {
  it('equals ssh-keygen -lf for each test host key (the file the host serves)', () => {
    for (const host of loadTestHosts()) {
      const file = path.join(testbedDir(), 'hosts', host.name, 'etc/ssh/ssh_host_ed25519_key.pub');
      const line = readFileSync(file, 'utf8');
      expect(fingerprintOf(blobOf(line))).toBe(keygenFingerprint(file));
      expect(fingerprintOf(blobOf(line))).toBe(host.hostKeyFingerprint);
      expect(publicKeyLine(blobOf(line))).toBe(line.trim().split(/\s+/).slice(0, 2).join(' '));
    }
  });
});
