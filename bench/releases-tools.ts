// Helpers of bench/releases.ts: the Debian tools it needs, a throwaway Capistrano project, and
// the statistics it prints.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { authorizeKey, hostPath, TESTBED_DIR, type TestHost } from '@/test-support/testbed-hosts';

/** Installs the Debian packages whose commands are missing (no recommends: they would pull systemd). */
export function ensurePackages(wanted: Record<string, string>): void {
  const missing = Object.entries(wanted)
    .filter(([command]) => !hasCommand(command))
    .map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  console.log(`installing ${missing.join(', ')} (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300_000,
    });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    install();
  }
}

function hasCommand(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

/**
 * A minimal Capistrano 3 project that deploys the fixture repo to `deployTo` on one test host as
 * root: a throwaway ed25519 key (authorized there), the host key pinned from the test bed's
 * known_hosts after checking its fingerprint, and a bare copy of the repo in the host's own /tmp
 * (each test host has its own /tmp), which push() updates before a deploy.
 */
export function capistrano(o: { dir: string; repoDir: string; host: TestHost; deployTo: string; keep: number }) {
  const keyPath = path.join(o.dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'berth-capbench', '-f', keyPath]);
  const publicKey = fs.readFileSync(`${keyPath}.pub`, 'utf8').trim();
  authorizeKey(o.host.name, publicKey);
  const hostKey = fs
    .readFileSync(path.join(TESTBED_DIR, 'known_hosts'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${o.host.address} `));
  const printed = hostKey && execFileSync('ssh-keygen', ['-lf', '-'], { input: hostKey }).toString();
  if (!hostKey || !printed?.includes(o.host.hostKeyFingerprint))
    throw new Error(`no known_hosts line for ${o.host.address} with ${o.host.hostKeyFingerprint}`);
  const knownHosts = path.join(o.dir, 'known_hosts');
  fs.writeFileSync(knownHosts, `${hostKey}\n`);
  const bareName = `${path.basename(o.dir)}.git`;
  const bare = hostPath(o.host.name, 'tmp', bareName);
  execFileSync('git', ['clone', '--quiet', '--bare', o.repoDir, bare]);

  const project = path.join(o.dir, 'project');
  fs.mkdirSync(path.join(project, 'config', 'deploy'), { recursive: true });
  const rb = (s: string) => JSON.stringify(s); // a valid Ruby string literal for these paths (no #{})
  fs.writeFileSync(
    path.join(project, 'Capfile'),
    [
      'require "capistrano/setup"',
      'require "capistrano/deploy"',
      'require "capistrano/scm/git"',
      'install_plugin Capistrano::SCM::Git',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(project, 'config', 'deploy.rb'),
    [
      'set :application, "capbench"',
      `set :repo_url, ${rb(`/tmp/${bareName}`)}`,
      'set :branch, "main"',
      `set :deploy_to, ${rb(o.deployTo)}`,
      `set :tmp_dir, ${rb(`${o.deployTo}/tmp`)}`,
      `set :keep_releases, ${o.keep}`,
      'set :log_level, :warn',
      'set :format, :pretty',
      `set :ssh_options, { keys: [${rb(keyPath)}], keys_only: true, auth_methods: %w[publickey], config: false, verify_host_key: :always, user_known_hosts_file: ${rb(knownHosts)}, global_known_hosts_file: ${rb(knownHosts)} }`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(project, 'config', 'deploy', 'production.rb'),
    `server ${rb(o.host.address)}, user: "root", roles: %w[web app]\n`,
  );
  return {
    publicKey,
    bare,
    push: () => execFileSync('git', ['-C', o.repoDir, 'push', '--quiet', '--force', bare, 'main']),
    /** One `cap production <task>`, timed; rejects with the tail of its output on failure. */
    run: (task: string) =>
      new Promise<number>((resolve, reject) => {
        const started = process.hrtime.bigint();
        execFile(
          'cap',
          ['production', task],
          { cwd: project, timeout: 120_000, env: { ...process.env, HOME: o.dir } },
          (err, stdout, stderr) => {
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            if (err)
              reject(new Error(`cap production ${task} failed: ${err.message}\n${(stdout + stderr).split('\n').slice(-15).join('\n')}`));
            else resolve(ms);
          },
        );
      }),
  };
}

export const median = (xs: number[]) => quantile(xs, 0.5);
/** Nearest-rank quantile. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
export const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
