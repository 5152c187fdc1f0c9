'use server';

import { z } from 'zod';
import { adoptTimeZoneIfUnset, setUserTimeZone } from '@/db/queries/user-time-zone';
import { authedAction } from '@/lib/auth/action';
import { timeZoneInput } from '@/lib/time/input';

/** Settings: the zone every time in the panel is shown in, for this user only. */
export const saveMyTimeZone = authedAction(
  { audit: 'user.time_zone', role: 'viewer', schema: z.object({ timeZone: timeZoneInput }) },
  async (input, ctx) => {
    ctx.setTarget(`user:${ctx.user.id}`);
    ctx.setDetails({ from: ctx.user.timeZone, to: input.timeZone });
    await setUserTimeZone(ctx.db, ctx.user.id, input.timeZone);
    return null;
  },
);

/** Sent once by the browser of a user who has no zone yet; it never replaces one. */
export const adoptBrowserTimeZone = authedAction(
  { audit: 'user.time_zone.browser', role: 'viewer', schema: z.object({ timeZone: timeZoneInput }) },
  async (input, ctx) => {
    ctx.setTarget(`user:${ctx.user.id}`);
    const stored = await adoptTimeZoneIfUnset(ctx.db, ctx.user.id, input.timeZone);
    ctx.setDetails({ to: input.timeZone, stored });
    return { stored };
  },
);
