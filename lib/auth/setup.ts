import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '@/db';
import { getSetting, putSetting, takeSetting } from '@/db/queries/settings';
import { insertUser, ownerExists } from '@/db/queries/users';
import type { User } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import { hashPassword } from './password';

const TOKEN_KEY = 'setup_token_sha256';
const ALREADY_OWNED = 'This panel already has an owner. Sign in instead.';
const BAD_LINK = 'This setup link is invalid or has been used. Restart the panel for a new one.';

export class SetupError extends Error {
  override name = 'SetupError';
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * First run has no open registration: start-up issues a one-time token (only its hash is
 * stored) and prints the URL carrying it. Each start issues a fresh one until an owner exists.
 */
export async function issueSetupToken(db: Db): Promise<string | null> {
  if (await ownerExists(db)) return null;
  const token = randomBytes(32).toString('base64url');
  await putSetting(db, TOKEN_KEY, digest(token));
  return token;
}

export async function setupTokenValid(db: Db, token: string): Promise<boolean> {
  if (!token || (await ownerExists(db))) return false;
  return (await getSetting(db, TOKEN_KEY)) === digest(token);
}

export type OwnerInput = { email: string; name: string; password: string };

/** Creates the owner; the token is consumed in the same transaction, so only one request can win. */
export async function createOwner(db: Db, token: string, input: OwnerInput, ip: string | null): Promise<User> {
  // Cheap check first: a caller without the token costs no password hashing.
  if (!(await setupTokenValid(db, token))) {
    throw new SetupError((await ownerExists(db)) ? ALREADY_OWNED : BAD_LINK);
  }
  const passwordHash = await hashPassword(input.password);
  const owner = await db.transaction(async (tx) => {
    if (await ownerExists(tx)) throw new SetupError(ALREADY_OWNED);
    if (!(await takeSetting(tx, TOKEN_KEY, digest(token)))) throw new SetupError(BAD_LINK);
    return insertUser(tx, { email: input.email, name: input.name, passwordHash, role: 'owner' });
  });
  await recordAudit(db, { actor: owner, action: 'setup.owner', target: `user:${owner.id}`, outcome: 'success', ip });
  return owner;
}
