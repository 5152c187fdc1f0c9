import type { ServerFacts } from '@/lib/model/server-facts';
import { cmd, ignoreFailure } from '@/lib/remote/command';
import { sectionedScript, sections } from '../sections';
import { unchanged, type Task } from '../task';
import type { ProvisionContext } from './context';

const SUPPORTED = new Set(['debian', 'ubuntu']);

export function parseFacts(stdout: string): ServerFacts {
  const [osRelease = '', systemd = '', cpus = '', meminfo = '', df = ''] = sections(stdout);
  const field = (key: string) => new RegExp(`^${key}="?([^"\\n]*)"?$`, 'm').exec(osRelease)?.[1] ?? 'unknown';
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? 0);
  const diskKb = Number(df.split('\n')[1]?.trim().split(/\s+/)[1] ?? 0);
  return {
    os: field('ID'),
    osVersion: field('VERSION_ID'),
    init: systemd.includes('/run/systemd/system') ? 'systemd' : 'none',
    cpus: Number(cpus) || 0,
    memoryMb: Math.round(memKb / 1024),
    diskGb: Math.round((diskKb / 1024 / 1024) * 10) / 10,
  };
}

/** Reads the OS, init system, CPU, memory and disk in one round trip. */
export const detectSystem: Task<ProvisionContext> = {
  name: 'detect-system',
  async run(ctx, { transport, log }) {
    const probe = sectionedScript(
      cmd('cat', '/etc/os-release'),
      ignoreFailure(cmd('ls', '-d', '/run/systemd/system')),
      cmd('nproc'),
      cmd('cat', '/proc/meminfo'),
      cmd('df', '-Pk', '/'),
    );
    const facts = parseFacts((await transport.runScript(probe)).stdout);
    log(JSON.stringify(facts));
    if (!SUPPORTED.has(facts.os)) throw new Error(`Unsupported OS "${facts.os}": Berth provisions Debian and Ubuntu servers.`);
    ctx.facts = facts;
    await ctx.saveFacts(facts);
    return unchanged(
      `${facts.os} ${facts.osVersion}, init: ${facts.init}, ${facts.cpus} CPU, ${facts.memoryMb} MB RAM, ${facts.diskGb} GB disk`,
    );
  },
};
