/**
 * What the `database` and `redis` tasks find that makes the per-app users isolate nothing. It
 * is not theirs to fix (Berth must not reconfigure a server's Postgres or Redis that other
 * software uses), so it goes at the end of the task's summary, where the run view shows it and
 * the data-services card reads it back (lib/apps/data-services.ts, dataServiceWarnings).
 */
export const REDIS_OPEN_WARNING =
  "WARNING: Redis's default user needs no password, so any local user can read every app's keys; set a password on it (requirepass / ACL SETUSER default) to make the per-app users mean something";

export const postgresTrustWarning = (where: string) =>
  `WARNING: PostgreSQL trusts connections ${where}: any local user can log in as postgres, and so as any role, without a password; require peer or scram-sha-256 there in pg_hba.conf to make the per-app roles mean something`;

const MARK = 'WARNING:';

export const withWarning = (summary: string, warning: string | undefined) => (warning ? `${summary}. ${warning}` : summary);

/** The warning a task summary carries, if any. */
export function warningOf(summary: string | null | undefined): string | undefined {
  const at = summary?.indexOf(MARK) ?? -1;
  return at >= 0 ? summary!.slice(at) : undefined;
}

/** Both tasks refuse to make an empty database or Redis user on another server while the app's data is on one it left. */
export const DATA_SERVER_GONE =
  "the app's database and Redis user were made on a server that no longer serves it; Berth does not make empty ones elsewhere: place the app on that server again (moving data services to another server is not offered yet)";
