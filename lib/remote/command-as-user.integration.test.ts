import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { and, asUser, cmd, render } from './command';

// Root only (runuser), so it lives with the integration files; command.test.ts covers the rest
// of the renderer through real shells without root.
describe('asUser in a real shell', () => {
  const run = (text: string) => spawnSync('/bin/sh', ['-c', text], { encoding: 'utf8' });

  it('asUser runs as that user (runuser, as root)', () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (runuser)');
    expect(run(render(asUser('nobody', cmd('id', '-un')))).stdout).toBe('nobody\n');
    expect(run(render(asUser('nobody', and(cmd('id', '-un'), cmd('printf', '%s\\n', "it's"))))).stdout).toBe("nobody\nit's\n");
  });
});
