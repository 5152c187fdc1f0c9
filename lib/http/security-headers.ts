/**
 * The security headers of every panel response, set by the custom server (scripts/server.ts)
 * before Next sees the request: the project keeps no top-level proxy.ts/middleware.ts.
 *
 * Scripts run only with this request's nonce. Next reads the nonce from the *request's*
 * Content-Security-Policy header (getScriptNonceFromHeader) and stamps it on its own inline
 * and bundle scripts, so the same policy goes on the request (for Next) and on the response
 * (for the browser). 'strict-dynamic' then lets those scripts load the chunks they need.
 * Every page is dynamically rendered (app/layout.tsx), so each one gets a fresh nonce.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

export type SecurityOptions = {
  /** `next dev`: React rebuilds server error stacks in the browser with eval, so only dev allows it. */
  dev: boolean;
  /** The browser reached us over https (directly, or through a trusted proxy). */
  https: boolean;
};

/** 128 random bits, base64: unguessable, and inside the characters Next's nonce parser accepts. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(nonce: string, { dev, https }: SecurityOptions): string {
  const directives = [
    "default-src 'self'",
    // 'self' is ignored by browsers that know 'strict-dynamic'; it is the fallback for those that do not.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    // Styles: 'unsafe-inline' and no nonce (a nonce would switch 'unsafe-inline' off). Server-rendered
    // style="" attributes (the dashboard charts, colour swatches) cannot carry a nonce, and sonner's
    // toasts insert their <style> element at runtime without one. Injected CSS cannot run code;
    // scripts, the real XSS risk, stay nonce-only.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    // Server actions, RSC fetches and the release event stream are same-origin.
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    // Clickjacking: one-click buttons (deploy, roll back) must never sit under another site's page.
    "frame-ancestors 'none'",
  ];
  // Only over https: on a plain-http panel (a LAN address, the test suite) it would send every
  // same-origin fetch to an https port nobody listens on.
  if (https) directives.push('upgrade-insecure-requests');
  return directives.join('; ');
}

export function securityHeaders(nonce: string, options: SecurityOptions): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(nonce, options),
    // For browsers older than frame-ancestors; same decision.
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    // Panel URLs name apps, servers and releases: other sites get the origin at most.
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    // Browsers ignore HSTS over http anyway; sending it only over https keeps a plain-http panel honest.
    // No includeSubDomains: the panel is one host, and its parent's other names may be apps served over http.
    ...(options.https && { 'Strict-Transport-Security': 'max-age=31536000' }),
  };
}

type RequestLike = Pick<IncomingMessage, 'headers' | 'socket'>;

/**
 * Whether the browser's connection was https. X-Forwarded-Proto counts only with
 * BERTH_TRUST_PROXY (env.trustProxy, the same switch scripts/server.ts uses for
 * X-Forwarded-For), and like the client address its rightmost entry is the one our own proxy set.
 */
export function cameOverHttps(req: RequestLike, trustProxy: boolean): boolean {
  if ((req.socket as Partial<TLSSocket>).encrypted) return true;
  const forwarded = req.headers['x-forwarded-proto'];
  if (!trustProxy || typeof forwarded !== 'string') return false;
  return forwarded.split(',').at(-1)!.trim().toLowerCase() === 'https';
}

/**
 * Puts a fresh policy on the request (overwriting any the client sent: the nonce is ours to
 * choose) and every header on the response. Next adds its own headers later and keeps these.
 */
export function applySecurityHeaders(
  req: RequestLike,
  res: Pick<ServerResponse, 'setHeader'>,
  { dev, trustProxy }: { dev: boolean; trustProxy: boolean },
): string {
  const nonce = newNonce();
  const headers = securityHeaders(nonce, { dev, https: cameOverHttps(req, trustProxy) });
  req.headers['content-security-policy'] = headers['Content-Security-Policy'];
  // Next falls back to this one when the header above is missing; never let a client's stand in.
  delete req.headers['content-security-policy-report-only'];
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  return nonce;
}
