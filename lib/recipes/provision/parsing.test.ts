import { describe, expect, it } from 'vitest';
import { parseSample } from '@/lib/servers/observe';
import { parseFacts } from './detect-system';
import { missingPackages, packagesFor } from './install-packages';
import { nginxBaseConfig } from './nginx-base';

const M = '@@berth@@\n';

describe('provisioning parsers', () => {
  it('reads facts from one combined probe', () => {
    const out = `${M}PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n${M}${M}4\n${M}MemTotal:       24576000 kB\nMemFree: 1 kB\n${M}Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 263174212 23000000 240174212 9% /\n`;
    expect(parseFacts(out)).toEqual({ os: 'debian', osVersion: '12', init: 'none', cpus: 4, memoryMb: 24000, diskGb: 251 });
    expect(parseFacts(out.replace(`${M}${M}4`, `${M}/run/systemd/system\n${M}4`)).init).toBe('systemd');
  });

  it('finds what dpkg does not report as installed', () => {
    const wanted = packagesFor(['8.2']);
    expect(wanted).toContain('php8.2-fpm');
    expect(wanted).toContain('composer');
    const installed = wanted
      .filter((p) => p !== 'git' && p !== 'php8.2-intl')
      .map((p) => `${p} ii `)
      .join('\n');
    const out = `${installed}\nphp8.2-intl un \n`;
    expect(missingPackages(wanted, out)).toEqual(['git', 'php8.2-intl']);
  });

  it('binds the default server to the chosen address, or to all', () => {
    expect(nginxBaseConfig('10.0.0.5')).toContain('    listen 10.0.0.5:80 default_server;\n    server_name _;\n    return 444;');
    expect(nginxBaseConfig('2001:db8::1')).toContain('listen [2001:db8::1]:80 default_server;');
    const all = nginxBaseConfig(null);
    expect(all).toContain('listen 80 default_server;');
    expect(all).toContain('listen [::]:80 default_server;');
  });

  it('computes memory and disk use from /proc and df', () => {
    const out = `${M}0.42 0.30 0.20 1/200 999\n${M}MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 250 kB\n${M}Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 100 37 63 37% /\n`;
    expect(parseSample(out)).toEqual({ load1: 0.42, memoryUsedPct: 75, diskUsedPct: 37 });
  });
});
