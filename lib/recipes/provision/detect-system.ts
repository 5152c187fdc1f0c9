import type { ServerFacts } from '@/db/schema';
import { cmd, ignoreFailure, script } from '@/lib/remote/command';
import { unchanged, type Task } from '../task';
import type { ProvisionContext } from './context';

const MARK = '@@berth@@';
const SUPPORTED = new Set(['debian', 'ubuntu']);

/** Splits output printed between section markers into its sections. */
export function sections(stdout: string): string[] {
  return stdout.split(`${MARK}\n`).slice(1).map((s) => s.trim());
}

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
    const probe = script(
      cmd('echo', MARK),
      cmd('cat', '/etc/os-release'),
      cmd('echo', MARK),
      ignoreFailure(cmd('ls', '-d', '/run/systemd/system')),
      cmd('echo', MARK),
      cmd('nproc'),
      cmd('echo', MARK),
      cmd('cat', '/proc/meminfo'),
      cmd('echo', MARK),
      cmd('df', '-Pk', '/'),
    );
    const facts = parseFacts((await transport.runScript(probe)).stdout);
    log(JSON.stringify(facts));
    if (!SUPPORTED.has(facts.os)) throw new Error(`Unsupported OS "${facts.os}": Berth provisions Debian and Ubuntu servers.`);
    ctx.facts = facts;
    await ctx.saveFacts(facts);
    return unchanged(`${facts.os} ${facts.osVersion}, init: ${facts.init}, ${facts.cpus} CPU, ${facts.memoryMb} MB RAM, ${facts.diskGb} GB disk`);
  },
};
