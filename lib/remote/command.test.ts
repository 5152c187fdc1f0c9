import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  and,
  asUser,
  cmd,
  env,
  ignoreFailure,
  killProcessGroup,
  or,
  pipe,
  quote,
  redirect,
  render,
  renderWithPidReport,
  renderWithStepReports,
  script,
} from './command';

describe('render: exact text of every combinator', () => {
  it('quotes every word, the program name included', () => {
    expect(render(cmd('mv', '-T', '/srv/a b', '/srv/current'))).toBe(`'mv' '-T' '/srv/a b' '/srv/current'`);
    expect(render(cmd('echo', "it's", '', 42, -1.5))).toBe(`'echo' 'it'\\''s' '' '42' '-1.5'`);
    expect(render(cmd('echo', '$(id)', '`id`', '; rm -rf /', '*', '~'))).toBe(`'echo' '$(id)' '\`id\`' '; rm -rf /' '*' '~'`);
  });

  it('and / or / pipe, grouping nested lists', () => {
    expect(render(and(cmd('a'), cmd('b', 'x')))).toBe(`'a' && 'b' 'x'`);
    expect(render(or(cmd('a'), cmd('b')))).toBe(`'a' || 'b'`);
    expect(render(pipe(cmd('cat', 'f'), cmd('wc', '-l')))).toBe(`'cat' 'f' | 'wc' '-l'`);
    expect(render(and(cmd('a'), or(cmd('b'), cmd('c'))))).toBe(`'a' && { 'b' || 'c'; }`);
    expect(render(and(cmd('only')))).toBe(`'only'`);
  });

  it('asUser runs the program through runuser (a compound command through sh -c)', () => {
    expect(render(asUser('deploy', cmd('php', 'artisan', 'migrate')))).toBe(`'runuser' '-u' 'deploy' '--' 'php' 'artisan' 'migrate'`);
    expect(render(asUser('deploy', and(cmd('cd', '/srv'), cmd('ls'))))).toBe(
      `'runuser' '-u' 'deploy' '--' 'sh' '-c' ''\\''cd'\\'' '\\''/srv'\\'' && '\\''ls'\\'''`,
    );
  });

  it('redirect, env, ignoreFailure', () => {
    expect(render(redirect(cmd('echo', 'x'), '/tmp/o'))).toBe(`'echo' 'x' > '/tmp/o'`);
    expect(render(redirect(cmd('echo', 'x'), '/tmp/o', { append: true }))).toBe(`'echo' 'x' >> '/tmp/o'`);
    expect(render(redirect(and(cmd('a'), cmd('b')), '/tmp/o'))).toBe(`{ 'a' && 'b'; } > '/tmp/o'`);
    expect(render(env({ APP_ENV: 'production', N: 2 }, cmd('php', 'x')))).toBe(`'env' 'APP_ENV=production' 'N=2' 'php' 'x'`);
    expect(render(env({ A: 'b c' }, pipe(cmd('x'), cmd('y'))))).toBe(`'env' 'A=b c' 'sh' '-c' ''\\''x'\\'' | '\\''y'\\'''`);
    expect(render(ignoreFailure(cmd('rm', '/x')))).toBe(`'rm' '/x' || 'true'`);
    expect(render(ignoreFailure(and(cmd('a'), cmd('b'))))).toBe(`{ 'a' && 'b'; } || 'true'`);
  });

  it('script: set -eu, one parsed-first group on /dev/null, && steps that really stop', () => {
    expect(render(script(cmd('mkdir', '-p', '/srv/x'), and(cmd('a'), cmd('b')), ignoreFailure(cmd('c'))))).toBe(
      ['set -eu', '{', `'mkdir' '-p' '/srv/x'`, `'a' && 'b' || exit $?`, `'c' || 'true'`, '} </dev/null', ''].join('\n'),
    );
    expect(renderWithStepReports(script(cmd('a')))).toBe(
      ['set -eu', '{', `printf 'berth-step:%s\\n' 1 >&2`, `'a'`, '} </dev/null', ''].join('\n'),
    );
  });

  it('the pid-report wrapper and the process-group kill', () => {
    expect(renderWithPidReport(cmd('true'))).toBe(`printf 'berth-pid:%s\\n' "$$" >&2; 'true'`);
    expect(render(killProcessGroup(1234))).toBe(`'kill' '-KILL' '-1234'`);
    expect(() => killProcessGroup(1)).toThrow(/process group/);
  });

  it('rejects what a shell cannot carry or what is not a name', () => {
    expect(() => cmd('echo', 'a\0b')).toThrow(/NUL/);
    expect(() => cmd('')).toThrow(/empty/);
    expect(() => cmd('echo', Number.NaN)).toThrow(/finite/);
    expect(() => asUser('Root', cmd('id'))).toThrow(/user name/);
    expect(() => asUser('a b', cmd('id'))).toThrow(/user name/);
    expect(() => asUser('x'.repeat(33), cmd('id'))).toThrow(/user name/);
    expect(() => env({ 'A-B': '1' }, cmd('x'))).toThrow(/variable name/);
    expect(() => env({ '1A': '1' }, cmd('x'))).toThrow(/variable name/);
    expect(() => env({ A: '1' }, cmd('B=2'))).toThrow(/'='/);
    expect(() => redirect(cmd('x'), '')).toThrow(/empty/);
    expect(() => and()).toThrow(/at least one/);
    expect(() => script()).toThrow(/at least one step/);
  });
});

// ---------------------------------------------------------------------------------------
// Differential test: what the renderer produces must reach a program as exactly the
// intended argv, through every shell a server may use.
// ---------------------------------------------------------------------------------------

const SHELLS = ['/bin/sh', '/usr/bin/dash', '/usr/bin/bash'];
const PRINTF = '/usr/bin/printf'; // a real program: the shell does nothing but pass the words
const NASTY = [
  "'",
  '"',
  '\\',
  '\n',
  '\r',
  '\t',
  ' ',
  '$(',
  ')',
  '`',
  '${IFS}',
  ';',
  '|',
  '&',
  '<',
  '>',
  '*',
  '?',
  '~',
  '#',
  '!',
  '-',
  '--',
  '%s',
  '=',
  '[',
  ']',
  '{',
  '}',
];
const UNICODE = ['é', 'ß', '日本', '🚀', 'e\u0301', '\u202e', '\u00a0', '\ufeff'];

/** mulberry32: a seeded generator, so a failure can be replayed from the seed it prints. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomArg(next: () => number): string {
  const length = Math.floor(next() * 14);
  let s = next() < 0.15 ? '-' : '';
  for (let i = 0; i < length; i++) {
    const r = next();
    if (r < 0.45)
      s += String.fromCharCode(1 + Math.floor(next() * 255)); // any code point 1..255
    else if (r < 0.85) s += NASTY[Math.floor(next() * NASTY.length)];
    else s += UNICODE[Math.floor(next() * UNICODE.length)];
  }
  return s;
}

function randomArgv(next: () => number): string[] {
  return Array.from({ length: Math.floor(next() * 6) }, () => (next() < 0.08 ? '' : randomArg(next)));
}

/** Runs one shell over many printf lines; each line prints its argc, then each argument, NUL-terminated. */
function argvsThrough(shell: string, cases: string[][]): string[][] {
  const text = cases.map((argv) => render(cmd(PRINTF, '%s\\0', String(argv.length), ...argv))).join('\n');
  const r = spawnSync(shell, ['-c', text], { maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${shell} exited ${r.status}: ${r.stderr}`);
  const fields = r.stdout.toString('utf8').split('\0');
  const result: string[][] = [];
  for (let i = 0; i < fields.length - 1; ) {
    const count = Number(fields[i++]);
    result.push(fields.slice(i, i + count));
    i += count;
  }
  return result;
}

describe('render through real shells (differential fuzz)', () => {
  const seed = Number(process.env.BERTH_FUZZ_SEED ?? Date.now() % 1_000_000);
  const next = rng(seed);
  const cases = Array.from({ length: 360 }, () => randomArgv(next));
  // Cases every run must include, whatever the seed.
  cases.push([''], ["'"], ["'\\''"], ['\n'], ['-n'], ['--'], ['$HOME', '$(id)', '`id`'], ['a\nb', "c'd"], ['🚀'], ['\u00ff\u0001']);

  for (const shell of SHELLS) {
    it(`${shell} passes ${cases.length} random argv vectors exactly (seed ${seed})`, () => {
      const seen: string[][] = [];
      for (let i = 0; i < cases.length; i += 60) seen.push(...argvsThrough(shell, cases.slice(i, i + 60)));
      expect(seen.length).toBe(cases.length);
      const firstBad = cases.findIndex((argv, i) => JSON.stringify(argv) !== JSON.stringify(seen[i]));
      expect(firstBad === -1 ? null : { argv: cases[firstBad], seen: seen[firstBad] }).toBeNull();
    });
  }

  it('quote() round-trips every single code point 1..255 in every shell', () => {
    const all = Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1));
    for (const shell of SHELLS) expect(argvsThrough(shell, [all, [all.join('')]])).toEqual([all, [all.join('')]]);
    expect(quote("a'b")).toBe(`'a'\\''b'`);
  });
});

describe('combinators behave as meant in real shells', () => {
  const run = (shell: string, text: string, stdin?: string) => {
    const r = spawnSync(shell, stdin === undefined ? ['-c', text] : ['-s'], { input: stdin ?? text, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const echo = (s: string) => cmd(PRINTF, '%s\\n', s);

  for (const shell of SHELLS) {
    it(`${shell}: and/or/pipe/ignoreFailure/env/redirect`, () => {
      expect(run(shell, render(and(echo('a'), cmd('false'), echo('b'))))).toMatchObject({ code: 1, out: 'a\n' });
      expect(run(shell, render(or(cmd('false'), echo('b'))))).toMatchObject({ code: 0, out: 'b\n' });
      expect(run(shell, render(pipe(echo('x y'), cmd('wc', '-w'))))).toMatchObject({ code: 0, out: '2\n' });
      expect(run(shell, render(ignoreFailure(cmd('false'))))).toMatchObject({ code: 0 });
      expect(run(shell, render(env({ GREETING: "it's $HOME" }, cmd('printenv', 'GREETING'))))).toMatchObject({
        out: "it's $HOME\n",
      });
      const file = `/tmp/berth-command-test-${process.pid}-${shell.replaceAll('/', '_')}`;
      run(shell, render(and(redirect(echo('1'), file), redirect(echo('2'), file, { append: true }))));
      expect(run(shell, render(cmd('cat', file))).out).toBe('1\n2\n');
      run(shell, render(cmd('rm', '-f', file)));
    });

    it(`${shell}: a script stops at a failing step, even inside an && list, and steps cannot eat the script`, () => {
      const stops = render(script(echo('one'), and(cmd('false'), echo('never')), echo('after')));
      expect(run(shell, '', stops)).toMatchObject({ code: 1, out: 'one\n' });
      const reads = render(script(cmd('cat'), echo('still here')));
      expect(run(shell, '', reads)).toMatchObject({ code: 0, out: 'still here\n' });
      const truncated = render(script(echo('a'), echo('b'))).replace('} </dev/null\n', '');
      expect(run(shell, '', truncated).out).toBe(''); // cut short in transit: nothing ran
    });
  }

  // asUser through a real runuser needs root: command-as-user.integration.test.ts.
});
