import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FINGERPRINT, fingerprintOf, keyAlgorithmOf } from './fingerprint';

/** The fingerprint `ssh-keygen -lf` prints for a public key file. */
const keygenFingerprint = (file: string) => execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).split(' ')[1];
const blobOf = (line: string) => Buffer.from(line.trim().split(/\s+/)[1]!, 'base64');

describe('fingerprintOf', () => {
  it.each(['ed25519', 'rsa', 'ecdsa'])('equals ssh-keygen -lf for a fresh %s key', (type) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-fp-'));
    try {
      const file = path.join(dir, 'k');
      execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-f', file]);
      const blob = blobOf(readFileSync(`${file}.pub`, 'utf8'));
      expect(fingerprintOf(blob)).toBe(keygenFingerprint(`${file}.pub`));
      expect(fingerprintOf(blob)).toMatch(FINGERPRINT);
      expect(keyAlgorithmOf(blob)).toBe({ ed25519: 'ssh-ed25519', rsa: 'ssh-rsa', ecdsa: 'ecdsa-sha2-nistp256' }[type]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a malformed blob', () => {
    expect(() => keyAlgorithmOf(Buffer.from([0, 0]))).toThrow(/short/);
    expect(() => keyAlgorithmOf(Buffer.from([0, 0, 0, 99, 1]))).toThrow(/malformed/);
  });
});
