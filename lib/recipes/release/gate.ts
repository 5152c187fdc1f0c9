import { fastcgiRequest, parseCgiResponse, TIMED_OUT_EXIT } from '@/lib/remote/fastcgi';
import { releasePaths } from './paths';
import { changed, unchanged, type Task } from '../task';
import type { ReleaseContext } from './context';
import { cgiVars, gateRoute, healthUri, readableCommand, resolveCommand, type Resolution } from './gate-request';

/** The answer the new release gave to its health path, before anything points at it. */
export type GateAnswer = { status: number | null; detail: string };

/**
 * Before `current` moves anywhere (a step of its own, so it completes on every server first):
 * the health path is asked of the NEW release, straight through the app's own FPM pool over
 * FastCGI, resolved as the vhost would resolve it. A syntax error, a fatal bootstrap or a 500
 * fails the release here, with no client ever having been served by the broken build.
 * Process apps pass the same gate in `start-process` (their new slot answers before traffic moves).
 */
export const gate: Task<ReleaseContext> = {
  name: 'gate',
  async run(ctx, { transport, log }) {
    const { app } = ctx;
    if (!ctx.roles.includes('web')) return unchanged('not a web server for this app');
    if (app.kind === 'process') return unchanged('process apps pass the gate in start-process');
    if (!app.release.gate) return unchanged('the gate is off for this app');
    const { path: healthPath, expectStatus, timeoutS } = app.healthCheck;
    const p = releasePaths(app.slug, ctx.number);
    const webRoot = `${p.dir}/${app.webRoot}`;
    const uri = healthUri(healthPath);
    const resolution = (await transport.exec(resolveCommand(webRoot, uri))).stdout.trim() as Resolution;
    // A static vhost has no pool: what is not a file there is nginx's 404.
    const route = app.kind === 'static' && resolution !== 'file' && resolution !== 'dir-html' ? null : gateRoute(webRoot, uri, resolution);
    const domain = app.domains[0]!;
    const started = Date.now();
    let answer: GateAnswer;
    if (!route) {
      answer = { status: 404, detail: `${webRoot}${uri.uriPath} does not exist` };
    } else if (route.kind === 'static') {
      const readable = await transport.exec(readableCommand(p.user, route.file), { okExitCodes: [0, 1] });
      answer =
        readable.code === 0
          ? { status: 200, detail: `${route.file} is readable` }
          : { status: 403, detail: `${route.file} is not readable by ${p.user}` };
    } else {
      const vars = cgiVars({ webRoot, uri, scriptName: route.scriptName, domain, tls: app.tls.mode !== 'none' });
      const out = await transport.exec(fastcgiRequest(p.fpmSocket, vars, timeoutS), {
        okExitCodes: [0, TIMED_OUT_EXIT],
        timeoutMs: (timeoutS + 10) * 1000,
      });
      const response = out.code === TIMED_OUT_EXIT ? null : parseCgiResponse(out.stdout);
      answer =
        out.code === TIMED_OUT_EXIT
          ? { status: null, detail: `no answer within ${timeoutS} s (cut at the health check's timeout)` }
          : response
            ? { status: response.status, detail: `${route.scriptName} answered ${response.status}` }
            : { status: null, detail: `the pool gave no response${out.stderr.trim() ? `: ${out.stderr.trim().slice(-300)}` : ''}` };
    }
    const line = `gate: ${domain}${healthPath} on releases/${ctx.number} through ${route?.kind === 'php' ? 'the app’s FPM pool' : 'the file system'}: ${answer.detail} (${Date.now() - started} ms)`;
    log(line);
    if (answer.status !== expectStatus)
      throw new Error(
        `Gate refused releases/${ctx.number} on ${ctx.server.name}: ${domain}${healthPath} ${answer.detail}, expected ${expectStatus}. Nothing was switched.`,
      );
    return changed(line.replace(/^gate: /, ''));
  },
};
