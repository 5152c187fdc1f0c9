import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, wellFormedEd25519 } from './keys';

describe('generated key pairs', () => {
  it('tells a 32-byte ed25519 key from the 31-byte one ssh2 sometimes writes', () => {
    const line = (keyBytes: number) => {
      const type = Buffer.from('ssh-ed25519');
      const blob = Buffer.concat([Buffer.from([0, 0, 0, type.length]), type, Buffer.from([0, 0, 0, keyBytes]), Buffer.alloc(keyBytes, 7)]);
      return `ssh-ed25519 ${blob.toString('base64')} x`;
    };
    expect(wellFormedEd25519(line(32))).toBe(true);
    expect(wellFormedEd25519(line(31))).toBe(false);
    expect(wellFormedEd25519('ssh-ed25519 !!! x')).toBe(false);
    expect(wellFormedEd25519(ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256, comment: 'x' }).public)).toBe(false);
  });

  it('never returns a malformed pair (1500 tries: ssh2 alone gets about 6 wrong)', () => {
    for (let i = 0; i < 1500; i++) expect(wellFormedEd25519(generateKeyPair('berth@test').publicKey)).toBe(true);
  });

  it('makes pairs OpenSSH accepts: ssh-keygen derives the same public key from the private one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-key-'));
    try {
      for (let i = 0; i < 5; i++) {
        const pair = generateKeyPair('berth@test');
        const file = path.join(dir, `k${i}`);
        fs.writeFileSync(file, pair.privateKey, { mode: 0o600 });
        const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim().split(' ').slice(0, 2).join(' ');
        expect(derived).toBe(pair.publicKey.split(' ').slice(0, 2).join(' '));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
