import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Servers, apps, monitors and channels change through one write path: the domain modules that
 * the forms and definitions (lib/spec/apply.ts) share. A server action or route handler that
 * wrote those tables itself would skip the checks both rely on (placements, clashes, secrets as
 * references), so this reads app/ as text and refuses any such write.
 */
const WRITERS = [
  'insertApp',
  'updateAppConfig',
  'upsertPlacements',
  'insertServer',
  'updateServer',
  'insertMonitor',
  'updateMonitor',
  'deleteMonitor',
  'deleteMonitors',
  'insertAutoMonitors',
  'setPaused',
  'insertChannel',
  'updateChannel',
  'deleteChannel',
];
const TABLES = ['apps', 'appServers', 'servers', 'monitors', 'notificationChannels'];

function offences(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*['"]@\/db\/queries\/[^'"]+['"]/g))
    for (const name of m[1]!.split(',').map(
      (n) =>
        n
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0]!,
    ))
      if (WRITERS.includes(name)) found.push(`${file}: imports ${name}`);
  for (const m of text.matchAll(new RegExp(`\\.(insert|update|delete)\\(\\s*(${TABLES.join('|')})\\b`, 'g')))
    found.push(`${file}: ${m[1]}(${m[2]})`);
  return found;
}

const shippedAppFiles = () =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'app'], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(ts|tsx)$/.test(f) && !/\.test\.tsx?$/.test(f));

describe('the spec write path', () => {
  it('no server action or route handler writes servers, apps, monitors or channels itself', () => {
    const files = shippedAppFiles();
    expect(files.some((f) => f.endsWith('actions.ts'))).toBe(true);
    expect(files.flatMap((f) => offences(f, readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('catches an action that does', () => {
    expect(offences('app/(panel)/apps/actions.ts', "import { findApp, updateAppConfig } from '@/db/queries/apps';")).toEqual([
      'app/(panel)/apps/actions.ts: imports updateAppConfig',
    ]);
    expect(offences('app/api/x/route.ts', 'await ctx.db.update(servers).set({ host });\nawait db.delete( monitors );')).toEqual([
      'app/api/x/route.ts: update(servers)',
      'app/api/x/route.ts: delete(monitors)',
    ]);
    expect(offences('app/y.ts', "import { insertChannel as add } from '@/db/queries/notifications';")).toEqual([
      'app/y.ts: imports insertChannel',
    ]);
  });
});
