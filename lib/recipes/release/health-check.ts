import http from 'node:http';
import https from 'node:https';
import { changed, unchanged, type Task } from '../task';
import type { RollbackContext } from './context';

const ATTEMPT_MS = 3000;

/** One GET through the server's nginx with the app's Host header; TLS apps over HTTPS (their certificate is not judged here). */
function get(address: string, domain: string, path: string, tls: boolean, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const options = { host: address, port: tls ? 443 : 80, path, headers: { host: domain }, timeout: timeoutMs, agent: false as const };
    const req = tls ? https.get({ ...options, servername: domain, rejectUnauthorized: false }) : http.get(options);
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
  });
}

/**
 * The app answers its health path with the expected status on this web server, through nginx:
 * retried until the app's health-check timeout (a process app may still be starting), then the release fails.
 */
export const healthCheck: Task<Pick<RollbackContext, 'app' | 'roles' | 'server'>> = {
  name: 'health-check',
  async run(ctx, { log, signal }) {
    if (!ctx.roles.includes('web')) return unchanged('not a web server for this app');
    const { path, expectStatus, timeoutS } = ctx.app.healthCheck;
    const domain = ctx.app.domains[0]!;
    const tls = ctx.app.tls.mode !== 'none';
    const deadline = Date.now() + timeoutS * 1000;
    let last = '';
    while (Date.now() < deadline && !signal.aborted) {
      const attempt = Math.max(250, Math.min(ATTEMPT_MS, deadline - Date.now()));
      const status = await get(ctx.server.address, domain, path, tls, attempt).catch((err: Error) => err.message);
      if (status === expectStatus) return changed(`${domain}${path} answered ${status}`);
      last = typeof status === 'number' ? `status ${status}` : status;
      log(`${domain}${path}: ${last}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    if (signal.aborted) throw new Error('cancelled'); // the release was cancelled while it waited: not a verdict on the app
    throw new Error(`Health check failed on ${ctx.server.name}: ${domain}${path} gave ${last}, expected ${expectStatus}`);
  },
};
