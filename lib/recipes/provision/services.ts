import { and, cmd, ignoreFailure, type Command } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { changed, unchanged, type Task } from '../task';
import { fpmService, type Service, type ServiceContext } from './context';

type ServiceSpec = {
  service: Service;
  /** The process name (`pgrep -x`) that shows the service runs where there is no systemd. */
  process: string;
  /** Without systemd: the direct command that starts it (STACK-NOTES, "Debian services without systemd"). */
  start: Command;
  /** Without systemd: how it picks up new config, if it has any. */
  reload?: (transport: Transport) => Promise<void>;
};

export function serviceSpecs(phpVersions: string[]): ServiceSpec[] {
  return [
    { service: 'nginx', process: 'nginx', start: cmd('nginx'), reload: async (t) => void (await t.exec(cmd('nginx', '-s', 'reload'))) },
    ...phpVersions.map(
      (v): ServiceSpec => ({
        service: fpmService(v),
        process: `php-fpm${v}`,
        start: and(
          cmd('install', '-d', '-o', 'www-data', '-g', 'www-data', '/run/php'),
          cmd(`php-fpm${v}`, '--fpm-config', `/etc/php/${v}/fpm/php-fpm.conf`),
        ),
        // The master's pid changes when it daemonizes: read the pid file each time.
        reload: async (t) => {
          const pid = (await t.exec(cmd('cat', `/run/php/php${v}-fpm.pid`))).stdout.trim();
          if (!/^\d+$/.test(pid)) throw new Error(`php${v}-fpm has no valid pid file`);
          await t.exec(cmd('kill', '-USR2', pid));
        },
      }),
    ),
    { service: 'supervisor', process: 'supervisord', start: cmd('supervisord', '-c', '/etc/supervisor/supervisord.conf') },
    { service: 'cron', process: 'cron', start: cmd('cron') },
  ];
}

/** Which of the services run, judged by process name (works with and without systemd). */
export const LIST_PROCESSES = ignoreFailure(cmd('ps', '-e', '-o', 'comm='));

/** Service states from the output of LIST_PROCESSES. */
export function serviceStates(psOutput: string, phpVersions: string[]): Array<{ name: Service; running: boolean }> {
  const names = new Set(psOutput.split('\n').map((l) => l.trim()));
  return serviceSpecs(phpVersions).map((s) => ({ name: s.service, running: names.has(s.process) }));
}

export async function runningServices(transport: Transport, phpVersions: string[]): Promise<Array<{ name: Service; running: boolean }>> {
  const result = await transport.exec(LIST_PROCESSES, { timeoutMs: 15_000 });
  return serviceStates(result.stdout, phpVersions);
}

/** Starts what is stopped and reloads what earlier tasks reconfigured, through the detected init system. */
export const services: Task<ServiceContext> = {
  name: 'services',
  async run(ctx, { transport, log }) {
    const systemd = ctx.facts?.init === 'systemd';
    const specs = serviceSpecs(ctx.server.phpVersions);
    const states = new Map((await runningServices(transport, ctx.server.phpVersions)).map((s) => [s.name, s.running]));
    const started: string[] = [];
    const reloaded: string[] = [];
    for (const spec of specs) {
      if (!states.get(spec.service)) {
        await transport.exec(systemd ? cmd('systemctl', 'enable', '--now', spec.service) : spec.start);
        started.push(spec.service);
        log(`started ${spec.service}`);
      } else if (ctx.reload.has(spec.service)) {
        if (systemd) await transport.exec(cmd('systemctl', 'reload', spec.service));
        else await spec.reload?.(transport);
        reloaded.push(spec.service);
        log(`reloaded ${spec.service}`);
      }
    }
    if (!started.length && !reloaded.length) return unchanged(`running: ${specs.map((s) => s.service).join(', ')}`);
    return changed(
      [started.length && `started ${started.join(', ')}`, reloaded.length && `reloaded ${reloaded.join(', ')}`].filter(Boolean).join('; '),
    );
  },
};
