import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { runLocal, spawnLocal, type LocalFailure } from '@/lib/remote/local-process';

/**
 * Berth keeps one bare mirror per app on the panel host: a release fetches into it, resolves the
 * branch or sha there, and streams `git archive` to every server at once, so no server needs
 * access to the repository. git runs with an argv (no shell) and never prompts.
 */
export class GitError extends Error {
  override name = 'GitError';
  /** git's whole stderr (bounded): callers read ssh's reason from it; the message keeps only its end. */
  readonly stderr: string;
  constructor(message: string, stderr = '') {
    super(message);
    this.stderr = stderr.slice(-4000);
  }
}

const SHA = /^[0-9a-f]{7,40}$/;
const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' };

async function git(args: string[], opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<string> {
  try {
    return await runLocal('git', args, { cwd: opts.cwd, env: { ...GIT_ENV, ...opts.env }, timeoutMs: opts.timeoutMs ?? 120_000 });
  } catch (err) {
    const e = err as LocalFailure;
    if (e.killed) throw new GitError(`git ${args[0]} timed out`, e.stderr);
    throw new GitError((e.stderr || e.message).trim().split('\n').slice(-3).join(' '), e.stderr);
  }
}

/**
 * Clones the mirror on first use, fetches (with prune) afterwards; the remote URL follows the app's
 * setting. `env` carries how to reach a private repository (lib/git-hosts/git-ssh.ts).
 */
export async function syncMirror(repository: string, dir: string, env: Record<string, string> = {}): Promise<void> {
  if (!fs.existsSync(`${dir}/HEAD`)) {
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      await git(['clone', '--mirror', '--quiet', '--', repository, dir], { env });
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true }); // a half-cloned mirror would pass the HEAD check next time
      throw new GitError(`Cannot reach the repository ${repository}: ${(err as Error).message}`, (err as GitError).stderr);
    }
    return;
  }
  // One process fewer per release when the URL is unchanged (the usual case).
  if (!fs.readFileSync(`${dir}/config`, 'utf8').includes(`\turl = ${repository}\n`))
    await git(['remote', 'set-url', 'origin', '--', repository], { cwd: dir });
  try {
    await git(['fetch', '--prune', '--quiet', 'origin'], { cwd: dir, env });
  } catch (err) {
    throw new GitError(`Cannot fetch from ${repository}: ${(err as Error).message}`, (err as GitError).stderr);
  }
}

/** A branch name or a (short) sha → the full commit sha, or a GitError naming what was not found. */
export async function resolveCommit(dir: string, ref: string): Promise<{ sha: string; subject: string }> {
  if (ref.startsWith('-') || /[\s~^:?*[\\]|\.\./.test(ref)) throw new GitError(`Not a branch or sha: ${ref}`);
  const candidates = SHA.test(ref) ? [ref, `refs/heads/${ref}`] : [`refs/heads/${ref}`];
  for (const candidate of candidates) {
    // sha and subject in one process: `git show -s` of the commit the candidate names.
    const out = await git(['show', '-s', '--format=%H%n%s', `${candidate}^{commit}`, '--'], { cwd: dir }).catch(() => '');
    const [sha, subject = ''] = out.split('\n');
    if (sha && /^[0-9a-f]{40}$/.test(sha)) return { sha, subject };
  }
  throw new GitError(`Unknown branch or sha: ${ref}`);
}

/** `git archive` of one commit as a tar stream; `done` settles when git exits (rejects on failure). */
export function archiveCommit(dir: string, sha: string): { stream: Readable; done: Promise<void> } {
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new GitError(`Not a full sha: ${sha}`);
  const child = spawnLocal('git', ['archive', '--format=tar', sha], { cwd: dir, env: GIT_ENV });
  child.stdin.end();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new GitError(`git archive failed: ${stderr.trim()}`))));
  });
  return { stream: child.stdout, done };
}

/** One file's text at a commit (an ops repository's definition); a GitError when the commit does not have it. */
export async function readCommitFile(dir: string, sha: string, file: string): Promise<string> {
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new GitError(`Not a full sha: ${sha}`);
  return git(['show', `${sha}:${file}`], { cwd: dir }).catch((err: Error) => {
    throw new GitError(`${file} is not in ${sha.slice(0, 12)}: ${err.message}`);
  });
}
