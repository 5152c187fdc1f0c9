import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The Drizzle schema (db/schema) and the migrations (drizzle/) must agree: a column added to the
// schema without `npm run db:generate` would pass every test on a fresh database and never reach
// a running panel. drizzle-kit's own generate, pointed at a scratch copy, must find nothing to do.
const root = path.resolve(import.meta.dirname, '..');
const scratch: string[] = [];

function generateInto(copy: string) {
  // drizzle-kit prefixes `--out` with './', so it has to be relative to the project.
  const out = path.relative(root, copy);
  const bin = path.join(root, 'node_modules/.bin/drizzle-kit');
  const r = spawnSync(bin, ['generate', '--dialect', 'postgresql', '--schema', './db/schema/index.ts', '--out', out], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function copyOfMigrations(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-schema-'));
  scratch.push(dir);
  fs.cpSync(path.join(root, 'drizzle'), dir, { recursive: true });
  return dir;
}

const listing = (dir: string) => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

afterAll(() => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

describe('schema check', () => {
  it('drizzle-kit generate finds nothing to migrate', () => {
    const copy = copyOfMigrations();
    const { status, output } = generateInto(copy);
    expect(status, output).toBe(0);
    expect(output).toContain('No schema changes');
    expect(listing(copy)).toEqual(listing(path.join(root, 'drizzle')));
  });

  it('the check fails when the migrations lag behind the schema (the last one removed)', () => {
    const copy = copyOfMigrations();
    const journalFile = path.join(copy, 'meta/_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { idx: number; tag: string }[] };
    const last = journal.entries.pop()!;
    fs.writeFileSync(journalFile, JSON.stringify(journal, null, 2));
    fs.rmSync(path.join(copy, `${last.tag}.sql`));
    fs.rmSync(path.join(copy, `meta/${String(last.idx).padStart(4, '0')}_snapshot.json`));

    const { output } = generateInto(copy);
    expect(output).not.toContain('No schema changes');
    expect(listing(copy).filter((f) => f.endsWith('.sql'))).toHaveLength(journal.entries.length + 1);
  });
});
