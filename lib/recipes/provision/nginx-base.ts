import { cmd } from '@/lib/remote/command';
import { changed, unchanged, type Task } from '../task';
import type { ProvisionContext } from './context';
import { ensureAbsent, ensureFile } from './managed-file';

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

export const nginxBase: Task<ProvisionContext> = {
  name: 'nginx-base',
  async run(ctx, { transport, log }) {
    const removedDefault = await ensureAbsent(transport, '/etc/nginx/sites-enabled/default');
    const wrote = await ensureFile(transport, NGINX_BASE_PATH, nginxBaseConfig(ctx.server.bindAddress), {
      mode: 0o644,
      validate: cmd('nginx', '-t', '-q'),
      log,
    });
    if (!wrote && !removedDefault) return unchanged('default server (444) in place, no default site');
    ctx.reload.add('nginx');
    return changed([wrote && 'wrote the default server (444)', removedDefault && 'removed the default site'].filter(Boolean).join('; '));
  },
};
