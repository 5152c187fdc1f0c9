import { cmd } from '@/lib/remote/command';
import { unchanged, type Task } from '../task';
import type { ConfigureContext } from './context';

/** Checks what the app needs from the server before anything is written, so a refusal changes nothing. */
export const preflight: Task<ConfigureContext> = {
  name: 'preflight',
  async run(ctx, { transport }) {
    const { app, server } = ctx;
    if (app.kind === 'php') {
      if (!server.phpVersions.includes(app.phpVersion)) {
        throw new Error(
          `PHP ${app.phpVersion} is not set up on ${server.name} (it has ${server.phpVersions.join(', ')}). Add it to the server and provision first.`,
        );
      }
      const fpm = await transport.exec(cmd('test', '-x', `/usr/sbin/php-fpm${app.phpVersion}`), { okExitCodes: [0, 1] });
      if (fpm.code !== 0) throw new Error(`php-fpm${app.phpVersion} is not installed on ${server.name}: provision the server first.`);
    }
    return unchanged(app.kind === 'php' ? `PHP ${app.phpVersion} present` : `${app.kind} app`);
  },
};
