import { z } from 'zod';
import { db } from '@/db';
import { findApp } from '@/db/queries/apps';
import { recordAudit } from '@/lib/audit/record';
import { clientIpFrom } from '@/lib/auth/client-ip';
import { hasRecentLogin, STALE_LOGIN_MESSAGE } from '@/lib/auth/recent-login';
import { hasRole } from '@/lib/auth/roles';
import { currentUser } from '@/lib/auth/session';
import { serializeDotenv } from '@/lib/model/dotenv';
import { currentEnv } from '@/lib/env/store';
import { getRuntime } from '@/lib/runtime';

const HEADERS = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
const text = (body: string, status: number) => new Response(body, { status, headers: HEADERS });

/**
 * Download the saved environment as a .env file: a reveal of every value at once, so it has a
 * reveal's rules (deployer, a sign-in within 10 minutes) and every attempt is audited.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const id = z.uuid().safeParse((await params).id);
  const user = await currentUser();
  const audit = { action: 'app.env.export', ip: clientIpFrom(request.headers), target: `app:${id.data ?? 'unknown'}` };
  if (!user) return text('Sign in first.', 401);
  const app = id.success ? await findApp(db(), id.data) : undefined;
  const denial = !hasRole(user.role, 'deployer')
    ? 'requires deployer'
    : !(await hasRecentLogin())
      ? STALE_LOGIN_MESSAGE
      : !app
        ? 'no such app'
        : null;
  if (denial) {
    await recordAudit(db(), { ...audit, actor: user, outcome: 'denied', reason: denial });
    return text(denial, app || denial !== 'no such app' ? 403 : 404);
  }
  const env = await currentEnv(db(), getRuntime().keyRing, app!.id);
  await recordAudit(db(), {
    ...audit,
    actor: user,
    outcome: 'success',
    details: { revision: env.revision, keys: Object.keys(env.values).length },
  });
  return new Response(serializeDotenv(env.values), {
    headers: { ...HEADERS, 'Content-Disposition': `attachment; filename="${app!.config.slug}.env"` },
  });
}
