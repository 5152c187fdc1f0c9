'use server';

import { z } from 'zod';
import { authedAction } from '@/lib/auth/action';
import { signOutThisSession } from '@/lib/auth/session';

export const logout = authedAction({ audit: 'auth.logout', role: 'viewer', schema: z.unknown() }, async (_input, ctx) => {
  ctx.setTarget(`user:${ctx.user.id}`);
  await signOutThisSession();
  return null;
});
