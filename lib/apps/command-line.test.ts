import { describe, expect, it } from 'vitest';
import { formatCommandLine, parseCommandLine } from './command-line';

describe('command lines from the forms', () => {
  it('splits words as a shell would, quotes and commas included', () => {
    expect(parseCommandLine(`php artisan mail:send --name="a b" --to='x@y.z'`)).toEqual({
      argv: ['php', 'artisan', 'mail:send', '--name=a b', '--to=x@y.z'],
    });
    expect(parseCommandLine('node server.js --origins=a.com,b.com')).toEqual({ argv: ['node', 'server.js', '--origins=a.com,b.com'] });
    expect(parseCommandLine(String.raw`date +%Y\ %m '$HOME'`)).toEqual({ argv: ['date', '+%Y %m', '$HOME'] });
  });

  it('formats argv back to a line that reads as the same argv', () => {
    const samples = [
      ['php', 'artisan', 'queue:work', '--queue=mail'],
      ['echo', "it's", 'a b', '$HOME', '*', '50%'],
      ['node', 'server.js'],
    ];
    for (const argv of samples) expect(parseCommandLine(formatCommandLine(argv))).toEqual({ argv });
    expect(formatCommandLine(['php', 'artisan', 'queue:work', '--queue=mail'])).toBe('php artisan queue:work --queue=mail');
  });

  it('refuses what needs a shell, saying why', () => {
    expect(parseCommandLine('php artisan foo >> /dev/null 2>&1')).toEqual({ error: expect.stringMatching(/^">>" needs a shell/) });
    expect(parseCommandLine('npm ci && npm run build')).toEqual({ error: expect.stringMatching(/^"&&" needs a shell/) });
    expect(parseCommandLine('ls | wc')).toEqual({ error: expect.stringMatching(/^"\|" needs a shell/) });
    expect(parseCommandLine('rm storage/*.log')).toEqual({ error: 'storage/*.log would not be expanded: commands run without a shell' });
    expect(parseCommandLine('echo $HOME')).toEqual({ error: expect.stringMatching(/\$VARIABLE would not be expanded/) });
    expect(parseCommandLine('APP_ENV=prod php artisan up')).toEqual({ error: expect.stringMatching(/^APP_ENV=prod sets a variable/) });
    expect(parseCommandLine('php artisan up # later')).toEqual({ error: expect.stringMatching(/# comment/) });
    expect(parseCommandLine('   ')).toEqual({ error: 'enter a command' });
  });
});
