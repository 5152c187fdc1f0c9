import { cmd } from '@/lib/remote/command';
import { changed, unchanged, type Task } from '../task';
import { fpmService, type ProvisionContext } from './context';
import { ensureFile } from './managed-file';

export const PHP_BASE_INI = [
  '; Managed by Berth: changes here are overwritten at the next provisioning.',
  'expose_php = Off',
  'date.timezone = UTC',
  'opcache.enable = 1',
  'opcache.memory_consumption = 128',
  'opcache.max_accelerated_files = 20000',
  '',
].join('\n');

/** Base PHP settings for FPM and CLI of every PHP version on the server, validated by php-fpm -t. */
export const phpBase: Task<ProvisionContext> = {
  name: 'php-base',
  async run(ctx, { transport, log }) {
    const changedFiles: string[] = [];
    for (const version of ctx.server.phpVersions) {
      for (const sapi of ['fpm', 'cli'] as const) {
        const path = `/etc/php/${version}/${sapi}/conf.d/90-berth.ini`;
        const validate = sapi === 'fpm' ? cmd(`php-fpm${version}`, '-t') : cmd(`php${version}`, '-v');
        if (await ensureFile(transport, path, PHP_BASE_INI, { mode: 0o644, validate, log })) {
          changedFiles.push(path);
          if (sapi === 'fpm') ctx.reload.add(fpmService(version));
        }
      }
    }
    return changedFiles.length ? changed(`wrote ${changedFiles.join(', ')}`) : unchanged('PHP settings in place');
  },
};
