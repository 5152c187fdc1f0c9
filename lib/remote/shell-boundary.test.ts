import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Rule 1 of ARCHITECTURE.md: shell text is built in lib/remote/command.ts and nowhere else.
const PATTERNS = [
  '\\.exec\\([[:space:]]*`', // exec(`…${x}…`)
  'execSync\\([[:space:]]*`',
  String.raw`spawn(Sync)?\([[:space:]]*['"](sh|bash|dash)['"]`,
  String.raw`['"](sh|bash)['"][[:space:]]*,[[:space:]]*\[[[:space:]]*['"]-c['"]`,
  'child_process',
];

function offenders(pattern: string): string[] {
  try {
    const out = execFileSync(
      'git',
      ['grep', '--untracked', '-nE', pattern, '--', 'app', 'lib', 'components', 'db', ':!lib/remote/**', ':!**/*.test.ts'],
      { encoding: 'utf8' },
    );
    return out.trim().split('\n');
  } catch (err) {
    if ((err as { status?: number }).status === 1) return []; // git grep: no match
    throw err;
  }
}

describe('the shell boundary', () => {
  it.each(PATTERNS)('no shell text or local process outside lib/remote: /%s/', (pattern) => {
    expect(offenders(pattern)).toEqual([]);
  });

  it('the check itself finds such code where it is allowed', () => {
    const inRemote = execFileSync('git', ['grep', '-lE', 'child_process|ssh2', '--', 'lib/remote'], { encoding: 'utf8' });
    expect(inRemote).toContain('lib/remote/');
  });
});
