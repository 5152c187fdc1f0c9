import { createHmac, timingSafeEqual } from 'node:crypto';
import { getRuntime } from '@/lib/runtime';

const MAX_AGE_MS = 30_000;

const mac = (uid: number, at: number) =>
  createHmac('sha256', getRuntime().authSecret).update(`berth:reauth:${uid}:${at}`).digest('base64url');

/** Minted after the password was checked again; the session callback accepts it for MAX_AGE_MS. */
export function reauthProof(uid: number, now = Date.now()): string {
  return `${now}.${mac(uid, now)}`;
}

export function isReauthProof(proof: unknown, uid: number, now = Date.now()): boolean {
  if (typeof proof !== 'string' || !Number.isInteger(uid)) return false;
  const [atText, given] = proof.split('.');
  const at = Number(atText);
  if (!Number.isFinite(at) || !given || now - at > MAX_AGE_MS || at > now + 1000) return false;
  const expected = Buffer.from(mac(uid, at));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
