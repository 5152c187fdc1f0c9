import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, wellFormedEd25519 } from './keys';

describe('generated key pairs', () => {
  it('spots the malformed pairs ssh2 sometimes makes (a 31-byte key), and never returns one', () => {
    let malformed = 0;
    for (let i = 0; i < 1500; i++) if (!wellFormedEd25519(ssh2.utils.generateKeyPairSync('ed25519', { comment: 'x' }).public)) malformed++;
    // About 1 in 256 of ssh2's raw pairs is malformed; the check must be able to see them.
    expect(malformed).toBeGreaterThan(0);
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
