import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { getScriptNonceFromHeader } from 'next/dist/server/app-render/get-script-nonce-from-header';
import { applySecurityHeaders, cameOverHttps } from './security-headers';

type Headers = IncomingMessage['headers'];

function request(headers: Headers = {}, encrypted = false) {
  return { headers: { ...headers }, socket: { encrypted } as unknown as IncomingMessage['socket'] };
}

function respond(req = request(), options = { dev: false, trustProxy: false }) {
  const sent: Record<string, string> = {};
  const setHeader = (name: string, value: string) => {
    sent[name] = value;
    return undefined as never;
  };
  const nonce = applySecurityHeaders(req, { setHeader }, options);
  const csp = sent['Content-Security-Policy'] ?? '';
  return { nonce, sent, csp, req };
}

/** The CSP as a map of directive → sources, so assertions read one directive at a time. */
function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d): [string, string[]] => {
      const [name = '', ...sources] = d.trim().split(/\s+/);
      return [name, sources];
    }),
  );
}

describe('security headers', () => {
  it('gives every request its own nonce, on the response and on the request Next reads it from', () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { nonce, csp, req } = respond();
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      nonces.add(nonce);
      expect(req.headers['content-security-policy']).toBe(csp);
      // Next's own parser finds exactly our nonce, so its scripts carry the one the browser allows.
      expect(getScriptNonceFromHeader(csp)).toBe(nonce);
      expect(directives(csp).get('script-src')).toEqual(["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"]);
    }
    expect(nonces.size).toBe(50);
  });

  it('replaces a policy the client sent, so a client cannot choose the nonce Next stamps', () => {
    const { nonce, req } = respond(
      request({
        'content-security-policy': "script-src 'nonce-chosenByAttacker'",
        'content-security-policy-report-only': "script-src 'nonce-chosenByAttacker'",
      }),
    );
    expect(getScriptNonceFromHeader(req.headers['content-security-policy'] as string)).toBe(nonce);
    expect(req.headers['content-security-policy-report-only']).toBeUndefined();
  });

  it('allows eval only in dev, and locks down objects, base, forms and framing', () => {
    const prod = directives(respond().csp);
    expect([...prod.values()].flat()).not.toContain("'unsafe-eval'");
    expect(prod.get('object-src')).toEqual(["'none'"]);
    expect(prod.get('base-uri')).toEqual(["'none'"]);
    expect(prod.get('form-action')).toEqual(["'self'"]);
    expect(prod.get('frame-ancestors')).toEqual(["'none'"]);
    expect(prod.get('default-src')).toEqual(["'self'"]);
    // Scripts have no 'unsafe-inline' fallback: only the nonce runs inline code.
    expect(prod.get('script-src')).not.toContain("'unsafe-inline'");

    const dev = directives(respond(request(), { dev: true, trustProxy: false }).csp);
    expect(dev.get('script-src')).toContain("'unsafe-eval'");
  });

  it('sends the other headers on every response', () => {
    const { sent } = respond();
    expect(sent['X-Frame-Options']).toBe('DENY');
    expect(sent['X-Content-Type-Options']).toBe('nosniff');
    expect(sent['Referrer-Policy']).toBe('strict-origin-when-cross-origin');
  });

  it('sends HSTS and upgrades requests only over https: direct TLS, or a trusted proxy', () => {
    const hsts = (req: ReturnType<typeof request>, trustProxy: boolean) => {
      const { sent, csp } = respond(req, { dev: false, trustProxy });
      const upgrades = directives(csp).has('upgrade-insecure-requests');
      expect(upgrades).toBe('Strict-Transport-Security' in sent);
      return sent['Strict-Transport-Security'];
    };
    expect(hsts(request(), false)).toBeUndefined();
    expect(hsts(request(), true)).toBeUndefined();
    expect(hsts(request({}, true), false)).toBe('max-age=31536000');
    // A forged X-Forwarded-Proto counts for nothing unless BERTH_TRUST_PROXY is set.
    expect(hsts(request({ 'x-forwarded-proto': 'https' }), false)).toBeUndefined();
    expect(hsts(request({ 'x-forwarded-proto': 'https' }), true)).toBe('max-age=31536000');
  });

  it('reads the scheme our own proxy appended (the rightmost), not one the client put first', () => {
    expect(cameOverHttps(request({ 'x-forwarded-proto': 'https, http' }), true)).toBe(false);
    expect(cameOverHttps(request({ 'x-forwarded-proto': 'http, HTTPS' }), true)).toBe(true);
    expect(cameOverHttps(request({ 'x-forwarded-proto': 'http' }), true)).toBe(false);
  });
});
