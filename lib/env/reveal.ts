import type { Db } from '@/db';
import { ActionError } from '@/lib/auth/action-core';
import type { KeyRing } from '@/lib/crypto';
import { currentEnv, openEnvRevision } from './store';

/**
 * The value stored under `key`, as an own property only: a decrypted environment is a plain
 * object, so `values['__proto__']` or `values.constructor` would answer with Object's own
 * machinery (a prototype, a function) as if the app had such a key.
 */
export function ownEnvValue(values: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(values, key) ? values[key] : undefined;
}

/** Reveal: one key's value, now or at a revision; a key the environment does not have is "no such key". */
export async function revealEnvValue(db: Db, ring: KeyRing, appId: string, key: string, revision?: number): Promise<string> {
  const { values } = revision ? await openEnvRevision(db, ring, appId, revision) : await currentEnv(db, ring, appId);
  const value = ownEnvValue(values, key);
  if (value === undefined)
    throw new ActionError(revision ? `No such key in revision #${revision}: ${key}.` : `No such key: ${key}.`, undefined, 'not_found');
  return value;
}
