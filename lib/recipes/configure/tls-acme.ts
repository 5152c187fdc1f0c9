import { appLayout } from '@/lib/plan/app-layout';
import { certificateInfo, parseChain } from '@/lib/model/certificate-pem';
import { acmeCertName, acmePaths, acmeRenewalCronPath } from '@/lib/plan/tls-paths';
import { cmd, env, or, render, type Command } from '@/lib/remote/command';
import { stderrTail } from '@/lib/remote/errors';
import type { ExecResult, Transport } from '@/lib/remote/transport';
import { HEADER, safe } from '@/lib/templates/directive';
import { ensureAbsent, ensureFile } from '../provision/managed-file';
import type { TaskIO } from '../task';
import type { ConfigureContext } from './context';

/** certbot's own renewal window: a certificate this close to its end is renewed now, not kept. */
const RENEW_WITHIN_MS = 30 * 24 * 60 * 60_000;
const CERTBOT_TIMEOUT_MS = 5 * 60_000;
/**
 * certbot's deploy hook, as a program: certbot checks a hook by looking up its first word in
 * PATH, so a rendered (quoted) command line would be refused. Shared by every app on the server.
 */
export const DEPLOY_HOOK_PATH = '/etc/berth/certbot-deploy-hook';
// certbot's banners and pointers, which would push the CA's actual problem out of the error.
const NOISE =
  /^(Saving debug log|Ask for help|If you like Certbot|\* Donating|- - -|Requesting a certificate|Account registered|Hook '.*' ran with)/;

function nginxReload(ctx: ConfigureContext): Command {
  return ctx.facts?.init === 'systemd' ? cmd('systemctl', 'reload', 'nginx') : cmd('nginx', '-s', 'reload');
}

async function readLive(transport: Transport, slug: string): Promise<string | null> {
  const result = await transport.exec(cmd('cat', acmePaths(slug).certificate), { okExitCodes: [0, 1] });
  return result.code === 0 ? result.stdout : null;
}

/** True when the certificate is for exactly these domains and not yet in its renewal window. */
export function fitsDomains(pem: string, domains: string[], now = Date.now()): boolean {
  const leaf = parseChain(pem)[0];
  if (!leaf) return false;
  const info = certificateInfo(leaf);
  const same = info.domains.length === domains.length && domains.every((d) => info.domains.includes(d));
  return same && info.notAfter.getTime() - now > RENEW_WITHIN_MS;
}

/**
 * certbot certonly, webroot mode. The renewal config it writes keeps the webroot, the ACME
 * server and the deploy hook, so `certbot renew` (Debian's cron job or timer) needs nothing else.
 */
export function certbotCommand(ctx: ConfigureContext, acme: { directory: string; caBundle?: string }): Command {
  const { app } = ctx;
  const email = app.tls.acmeEmail;
  const certbot = cmd(
    'certbot',
    'certonly',
    '--webroot',
    '-w',
    appLayout(app.slug).acmeWebroot,
    '--cert-name',
    acmeCertName(app.slug),
    ...app.domains.flatMap((d) => ['-d', d]),
    '--non-interactive',
    '--agree-tos',
    ...(email ? ['-m', email] : ['--register-unsafely-without-email']),
    '--server',
    acme.directory,
    '--deploy-hook',
    DEPLOY_HOOK_PATH,
  );
  return acme.caBundle ? env({ REQUESTS_CA_BUNDLE: acme.caBundle }, certbot) : certbot;
}

/** Reloads nginx after each issue and renewal (certbot and cron run it as root). */
export const deployHook = (ctx: ConfigureContext) => `#!/bin/sh\n# ${HEADER}\nexec ${render(nginxReload(ctx))}\n`;

/** What certbot said, minus its banners: the CA's "Domain / Type / Detail" block goes to stdout, the summary to stderr. */
export function certbotMessage(result: Pick<ExecResult, 'stdout' | 'stderr'>): string {
  const lines = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() && !NOISE.test(l.trim()));
  return stderrTail(lines.join('\n'), 15);
}

/**
 * The app's certificate from certbot: kept when one for exactly its domains is there, issued
 * (or re-issued for new domains) otherwise. Returns the chain now in the live directory.
 */
export async function obtainAcmeCertificate(
  ctx: ConfigureContext,
  { transport, log, signal }: TaskIO,
): Promise<{ issued: boolean; pem: string }> {
  const { app } = ctx;
  if (!ctx.acme) throw new Error('No ACME directory was given to this run (BERTH_ACME_DIRECTORY).');
  const existing = await readLive(transport, app.slug);
  if (existing && fitsDomains(existing, app.domains)) return { issued: false, pem: existing };
  if (ctx.reload.has('nginx')) {
    // The vhost (or nginx's group membership) changed in this run: the CA must reach it now, not after the services task.
    await transport.exec(
      ctx.facts?.init === 'systemd' ? cmd('systemctl', 'reload-or-restart', 'nginx') : or(cmd('nginx', '-s', 'reload'), cmd('nginx')),
    );
    log('reloaded nginx so that it answers the ACME challenge');
  }
  await transport.exec(cmd('mkdir', '-p', '/etc/berth'));
  await ensureFile(transport, DEPLOY_HOOK_PATH, deployHook(ctx), { mode: 0o755, log });
  const started = performance.now();
  const result = await transport.exec(certbotCommand(ctx, ctx.acme), {
    okExitCodes: [0, 1],
    timeoutMs: CERTBOT_TIMEOUT_MS,
    signal,
    onLine: (_s, line) => log(line),
  });
  if (result.code !== 0) {
    throw new Error(
      `certbot could not get a certificate for ${app.domains.join(', ')} from ${ctx.acme.directory}:\n${certbotMessage(result)}`,
    );
  }
  log(`certbot issued the certificate in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const pem = await readLive(transport, app.slug);
  if (!pem) throw new Error(`certbot reported success, but ${acmePaths(app.slug).certificate} is missing on ${ctx.server.name}`);
  return { issued: true, pem };
}

/** Minute of the hour for the renewal line, spread by slug so that apps do not all renew at once. */
const minuteOf = (slug: string) => [...slug].reduce((sum, c) => sum + c.charCodeAt(0), 0) % 60;

/**
 * With a private ACME CA, renewals need its bundle too, and Debian's cron job or timer runs
 * `certbot renew` without it: this app's lineage gets its own twice-daily line that has it.
 * Without a bundle the file must not exist (Debian's job renews).
 */
export async function ensureRenewalCron(ctx: ConfigureContext, { transport, log }: TaskIO): Promise<boolean> {
  const path = acmeRenewalCronPath(ctx.app.slug);
  const bundle = ctx.acme?.caBundle;
  if (!bundle) return ensureAbsent(transport, path, { mode: 0o644, log });
  const renew = env(
    { REQUESTS_CA_BUNDLE: safe('CA bundle path', bundle) },
    cmd('certbot', '-q', 'renew', '--cert-name', acmeCertName(ctx.app.slug), '--no-random-sleep-on-renew'),
  );
  const content = [
    `# ${HEADER}`,
    'SHELL=/bin/sh',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `${minuteOf(ctx.app.slug)} */12 * * * root ${render(renew)}`,
    '',
  ].join('\n');
  return ensureFile(transport, path, content, { mode: 0o644, log });
}
