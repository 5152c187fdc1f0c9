import NextAuth, { CredentialsSignin } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { z } from 'zod';
import { db } from '@/db';
import { getRuntime } from '@/lib/runtime';
import { clientIpFrom } from './client-ip';
import { attemptLogin } from './login';
import { isReauthProof } from './reauth-proof';
import { endSession, startSession } from './session-store';
import { opaqueText, singleLine } from '@/lib/model/text';

export class RateLimitedSignin extends CredentialsSignin {
  override code = 'rate_limited';
}

/** The password was right; a second factor is still owed (the form then asks for a code). */
export class CodeNeededSignin extends CredentialsSignin {
  override code = 'code_needed';
}

export class WrongCodeSignin extends CredentialsSignin {
  override code = 'wrong_code';
}

const credentialsInput = z.object({ email: singleLine(254), password: opaqueText(200), code: singleLine(64).optional() });

export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

// Lazy config: the secret comes from boot (never a fallback value), read at request time.
export const {
  handlers,
  auth,
  signIn,
  signOut,
  unstable_update: updateSession,
} = NextAuth(() => ({
  secret: getRuntime().authSecret,
  trustHost: true,
  // Failed sign-ins and expired cookies are expected traffic (and audited): keep them out of the error log.
  logger: {
    error(error) {
      const type = (error as { type?: string }).type;
      if (type === 'CredentialsSignin' || type === 'JWTSessionError') return;
      console.error('[auth]', error);
    },
  },
  session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
  // Auth.js's own sign-out route ends the session row too (the panel's logout revokes it first,
  // so a failure there is an error the user sees; here Auth.js would only log it).
  events: {
    async signOut(message) {
      if ('token' in message) await endSession(db(), message.token?.sid);
    },
  },
  pages: { signIn: '/login', error: '/login' },
  providers: [
    Credentials({
      credentials: { email: {}, password: {}, code: {} },
      async authorize(raw, request) {
        const parsed = credentialsInput.safeParse(raw);
        if (!parsed.success) return null;
        const outcome = await attemptLogin(db(), { ...parsed.data, ip: clientIpFrom(request.headers) });
        if (!outcome.ok) {
          if (outcome.reason === 'limited') throw new RateLimitedSignin();
          if (outcome.reason === 'code-needed') throw new CodeNeededSignin();
          if (outcome.reason === 'wrong-code') throw new WrongCodeSignin();
          return null;
        }
        const { user } = outcome;
        return { id: String(user.id), email: user.email, name: user.name, sessionVersion: user.sessionVersion };
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user, trigger, session }) {
      if (user) {
        token.uid = Number(user.id);
        token.sv = (user as { sessionVersion?: number }).sessionVersion ?? 0;
        token.loginAt = Date.now();
        // The server-side half of the session: currentUser() refuses the cookie once this row is revoked.
        token.sid = await startSession(db(), token.uid as number, SESSION_MAX_AGE_SECONDS * 1000);
      }
      // Anyone can POST an update to /api/auth/session: only a proof minted by confirmPassword
      // (an HMAC under the auth secret, seconds old) refreshes the sign-in time.
      if (trigger === 'update' && isReauthProof((session as { reauth?: unknown } | undefined)?.reauth, token.uid as number))
        token.loginAt = Date.now();
      return token;
    },
    session({ session, token }) {
      return {
        ...session,
        uid: token.uid as number,
        sv: token.sv as number,
        sid: token.sid as string | undefined,
        loginAt: (token.loginAt as number | undefined) ?? 0,
      };
    },
  },
}));
