import { sql } from 'drizzle-orm';
import { db } from '@/db';
import { getRuntime } from '@/lib/runtime';

/** Unauthenticated liveness: the process is up and the database answers. Reveals nothing else. */
export async function GET() {
  try {
    await db().execute(sql`select 1`);
    return Response.json({ ok: true, database: getRuntime().client.kind });
  } catch {
    return Response.json({ ok: false }, { status: 503 });
  }
}
