/**
 * Repository URLs fetched over SSH with an app's deploy key: `git@host:path` (scp-like) and
 * `ssh://[user@]host[:port]/path`. Parsed strictly, because the parts reach ssh's argv: a user or
 * host starting with `-` would read as an option, and anything beyond plain names and paths has
 * no place in a repository address. IPv6 literals are not accepted (use a name).
 */
export type SshRepository = { user: string | undefined; host: string; port: number; path: string };

const USER = '[A-Za-z0-9_][A-Za-z0-9._-]{0,63}';
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST = `${LABEL}(?:\\.${LABEL})*`;
// A path of plain names; `~` for home-relative paths on self-hosted servers (git@host:~/app.git).
const PATH = '[A-Za-z0-9._~][A-Za-z0-9._~/-]*';
const SCP_LIKE = new RegExp(`^(${USER})@(${HOST}):(/?${PATH})$`);
const SSH_URL = new RegExp(`^ssh://(?:(${USER})@)?(${HOST})(?::([0-9]{1,5}))?/(${PATH})$`);

/** The parts of an SSH repository URL, or undefined when it is not one Berth accepts. */
export function parseSshRepository(url: string): SshRepository | undefined {
  if (url.length > 500) return undefined;
  const scp = SCP_LIKE.exec(url);
  const ssh = scp ? undefined : SSH_URL.exec(url);
  const m = scp ?? ssh;
  if (!m) return undefined;
  const port = ssh?.[3] ? Number(ssh[3]) : 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const path = scp ? m[3]! : `/${m[4]!}`;
  if (path.split('/').some((part) => part === '..') || path.includes('//')) return undefined;
  return { user: m[1], host: m[2]!.toLowerCase(), port, path };
}

/** Whether a repository URL is fetched over SSH (and so needs the app's deploy key). */
export const isSshRepository = (url: string): boolean => parseSshRepository(url) !== undefined;
