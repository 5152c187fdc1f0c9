import { cmd, or } from '@/lib/remote/command';
import { changed, unchanged, type Task } from '../task';
import type { ProvisionContext } from './context';
import { ensureFile } from './managed-file';

export const NGINX_BASE_PATH = '/etc/nginx/conf.d/00-berth.conf';

/** http-level settings, and a default server that answers unknown hosts with nothing (444). */
export function nginxBaseConfig(bindAddress: string | null): string {
  const listens = bindAddress
    ? [`listen ${bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress}:80 default_server;`]
    : ['listen 80 default_server;', 'listen [::]:80 default_server;'];
  return [
    '# Managed by Berth: changes here are overwritten at the next provisioning.',
    'server_tokens off;',
    'client_max_body_size 64m;',
    '',
    'server {',
    ...listens.map((l) => `    ${l}`),
    '    server_name _;',
    '    return 444;',
    '}',
    '',
  ].join('\n');
}

const DEFAULT_SITE = '/etc/nginx/sites-enabled/default';
// Parked outside sites-enabled while validating, so a failure can put it back (nginx -t would
// otherwise fail on two default servers before it could be removed).
const PARKED_DEFAULT = '/etc/nginx/.berth-parked-default-site';
const NGINX_TEST = cmd('nginx', '-t', '-q');

export const nginxBase: Task<ProvisionContext> = {
  name: 'nginx-base',
  async run(ctx, { transport, log }) {
    const found = await transport.exec(or(cmd('test', '-L', DEFAULT_SITE), cmd('test', '-e', DEFAULT_SITE)), { okExitCodes: [0, 1] });
    const hadDefault = found.code === 0;
    if (hadDefault) await transport.exec(cmd('mv', '-f', DEFAULT_SITE, PARKED_DEFAULT));
    let wrote: boolean;
    try {
      wrote = await ensureFile(transport, NGINX_BASE_PATH, nginxBaseConfig(ctx.server.bindAddress), {
        mode: 0o644,
        validate: NGINX_TEST,
        log,
      });
      if (!wrote && hadDefault) await transport.exec(NGINX_TEST);
    } catch (err) {
      if (hadDefault) await transport.exec(cmd('mv', '-f', PARKED_DEFAULT, DEFAULT_SITE));
      throw err;
    }
    if (hadDefault) await transport.exec(cmd('rm', '-f', PARKED_DEFAULT));
    if (!wrote && !hadDefault) return unchanged('default server (444) in place, no default site');
    ctx.reload.add('nginx');
    return changed([wrote && 'wrote the default server (444)', hadDefault && 'removed the default site'].filter(Boolean).join('; '));
  },
};
