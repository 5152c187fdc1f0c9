import { removeUnusedTls } from '../configure/tls-cleanup';
import { changed, unchanged, type Task } from '../task';
import type { TeardownContext } from './context';

/**
 * With no roles the app serves no TLS here, so configure's own clean-up takes everything: the
 * uploaded certificate and key, the renewal cron file and certbot's lineage (its key included).
 * Runs after the vhost that named them is gone.
 */
export const tlsFiles: Task<TeardownContext> = {
  name: 'tls-files',
  async run(ctx, io) {
    const removed = await removeUnusedTls(ctx, io);
    return removed.length ? changed(`removed ${removed.join(', ')}`) : unchanged('no certificates or renewal here');
  },
};
