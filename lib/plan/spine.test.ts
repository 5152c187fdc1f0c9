import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * What should exist on a server is decided in one place, lib/plan: where an app lives, its
 * vhost, pool, programs, cron and certificate paths. Any other shipped file that spells one of
 * those paths is deciding it again. Read as text: string and template literals only (comments
 * may describe the layout). Templates (lib/templates) render files from values and are rendered
 * only from lib/plan.
 */
const LAYOUT =
  /[`'"]\/(?:var\/www\/|var\/log\/berth\/|run\/php\/berth-|etc\/nginx\/sites-enabled\/berth-|etc\/nginx\/berth-live|etc\/cron\.d\/berth-|etc\/supervisor\/conf\.d\/berth-|etc\/berth\/tls|etc\/letsencrypt\/(?:live|renewal)\/)/;
const RENDER = /\b(renderVhost|renderPool|renderWorkers|renderPrograms|renderCron|renderLiveUpstream)\s*\(/;

function offences(file: string, text: string): string[] {
  if (file.startsWith('lib/plan/') || file.startsWith('lib/templates/')) return [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  return code.split('\n').flatMap((line, i) => {
    const what = LAYOUT.exec(line)?.[0] ?? RENDER.exec(line)?.[1];
    return what ? [`${file}:${i + 1}: ${what}`] : [];
  });
}

const shipped = () =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'app', 'components', 'db', 'lib'], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(ts|tsx)$/.test(f) && !/\.test\.tsx?$/.test(f));

describe('the plan layer', () => {
  it('alone spells where an app lives on a server and renders its files', () => {
    const files = shipped();
    expect(files.length).toBeGreaterThan(200);
    expect(files.flatMap((f) => offences(f, readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('catches a recipe or a view that decides it again', () => {
    expect(offences('lib/recipes/configure/app-dirs.ts', 'const base = `/var/www/${slug}`;')).toEqual([
      'lib/recipes/configure/app-dirs.ts:1: `/var/www/',
    ]);
    expect(offences('lib/apps/pending-changes.ts', "const v = renderVhost({ slug });\n// '/var/www/' in a comment is fine")).toEqual([
      'lib/apps/pending-changes.ts:1: renderVhost',
    ]);
    expect(offences('lib/recipes/x.ts', "cmd('cat', '/etc/nginx/berth-live/a.conf')")).toEqual([
      "lib/recipes/x.ts:1: '/etc/nginx/berth-live",
    ]);
  });
});
