import { forbidden, unauthorized, unstable_rethrow } from 'next/navigation';
import { db } from '@/db';
import { makeAuthedAction } from './action-core';
import { clientIp } from './client-ip';
import { currentUser, signedInUser } from './session';

export { ActionError, type ActionResult, type ServerAction } from './action-core';

/** The one wrapper every mutating server action goes through. */
export const authedAction = makeAuthedAction({
  db,
  currentUser,
  clientIp,
  deny: (status) => (status === 401 ? unauthorized() : forbidden()),
  rethrowControlFlow: unstable_rethrow,
  logError: (err) => console.error('[action]', err),
});

/**
 * For the enrolment step only: a signed-in user who still owes the required second factor is
 * nobody to authedAction, but must be able to enrol (and nothing else).
 */
export const enrolmentAction = makeAuthedAction({
  db,
  currentUser: signedInUser,
  clientIp,
  deny: (status) => (status === 401 ? unauthorized() : forbidden()),
  rethrowControlFlow: unstable_rethrow,
  logError: (err) => console.error('[action]', err),
});
