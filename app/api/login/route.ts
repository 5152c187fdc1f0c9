import { AuthError } from 'next-auth';
import { z } from 'zod';
import { emailInput } from '@/db/schema';
import { db } from '@/db';
import { CodeNeededSignin, RateLimitedSignin, signIn, WrongCodeSignin } from '@/lib/auth/auth';
import { clientIpFrom } from '@/lib/auth/client-ip';
import { secondsCodeLocked, secondsLocked } from '@/lib/auth/throttle';
import { opaqueText, singleLine } from '@/lib/model/text';

const loginInput = z.object({
  email: emailInput,
  password: opaqueText(200).min(1, 'Enter your password'),
  // Absent on the first step; the form sends it again with the password once asked (twoFactor: true).
  code: singleLine(64).optional(),
});

const INVALID = 'Wrong email or password.';

/**
 * JSON login for the login form: Auth.js does the session, this route turns its outcome into
 * honest HTTP (401, 429 with Retry-After). The throttle itself lives in authorize(), so the
 * Auth.js callback URL cannot be used to get around it.
 */
/** Login CSRF: a browser posting from another site sends its Origin; refuse it. Non-browser clients send none. */
function crossSite(request: Request): boolean {
  const origin = request.headers.get('origin');
  if (!origin) return false;
  try {
    return new URL(origin).host !== request.headers.get('host');
  } catch {
    return true;
  }
}

export async function POST(request: Request) {
  if (crossSite(request)) return Response.json({ error: 'Cross-site sign-in refused.' }, { status: 403 });
  const body = await request.json().catch(() => null);
  const parsed = loginInput.safeParse(body);
  if (!parsed.success) {
    return Response.json({ error: INVALID, fieldErrors: z.flattenError(parsed.error).fieldErrors }, { status: 400 });
  }
  try {
    await signIn('credentials', { ...parsed.data, redirect: false });
    return Response.json({ ok: true });
  } catch (err) {
    if (err instanceof RateLimitedSignin || (err as { code?: string }).code === 'rate_limited') {
      const retryAfter = Math.max(
        1,
        await secondsLocked(db(), { email: parsed.data.email, ip: clientIpFrom(request.headers) }),
        await secondsCodeLocked(db(), parsed.data.email),
      );
      return Response.json(
        { error: `Too many attempts. Try again in ${retryAfter} s.`, retryAfter },
        { status: 429, headers: { 'Retry-After': String(retryAfter) } },
      );
    }
    const code = (err as { code?: string }).code;
    if (err instanceof CodeNeededSignin || code === 'code_needed')
      return Response.json({ error: 'Enter the code from your authenticator app, or a recovery code.', twoFactor: true }, { status: 401 });
    if (err instanceof WrongCodeSignin || code === 'wrong_code')
      return Response.json({ error: 'That code is not right, or was already used.', twoFactor: true }, { status: 401 });
    if (err instanceof AuthError) return Response.json({ error: INVALID }, { status: 401 });
    throw err;
  }
}
