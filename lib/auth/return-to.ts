/**
 * Where the login page sends a user after signing in: the page they asked for, when it is a
 * path on this panel. Anything that a browser could read as another origin is dropped:
 * `//evil.com` and `/\evil.com` (browsers treat `\` as `/`), absolute URLs, `javascript:`,
 * and control characters (a tab or newline inside `//` is skipped by the URL parser).
 */
export const REQUEST_PATH_HEADER = 'x-berth-path';

const BASE = 'http://berth.invalid';

export function safeReturnPath(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) return null;
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // The parser resolves dot segments: `/.//evil.com` and `/a/..//evil.com` come out as `//evil.com`.
  if (path.startsWith('//')) return null;
  // Back to the login page (or its enrolment step) would be a loop; API routes are not pages.
  if (/^\/(login|api)(\/|$|\?)/.test(url.pathname)) return null;
  return path;
}

/** The login page's address that returns to `path` (when it is safe to return to). */
export function loginUrlFor(path: unknown): string {
  const back = safeReturnPath(path);
  return back && back !== '/' ? `/login?next=${encodeURIComponent(back)}` : '/login';
}
