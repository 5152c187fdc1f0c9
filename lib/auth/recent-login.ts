import { ActionError } from './action-core';
import { auth } from './auth';

/** Revealing or exporting secrets needs a sign-in (or a password confirmation) this recent. */
export const RECENT_LOGIN_MS = 10 * 60_000;

export const STALE_LOGIN_MESSAGE = 'Revealing values needs a sign-in within the last 10 minutes: confirm your password first.';

/** When this session last proved its password; 0 for sessions from before the time was recorded. */
export async function sessionLoginAt(): Promise<number> {
  const session = (await auth()) as { loginAt?: number } | null;
  return session?.loginAt ?? 0;
}

export async function hasRecentLogin(now = Date.now()): Promise<boolean> {
  return now - (await sessionLoginAt()) <= RECENT_LOGIN_MS;
}

/** For actions: throws the message the form shows unless the sign-in is recent. */
export async function requireRecentLogin(): Promise<void> {
  if (!(await hasRecentLogin())) throw new ActionError(STALE_LOGIN_MESSAGE);
}
