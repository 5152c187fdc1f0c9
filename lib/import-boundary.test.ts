import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * ARCHITECTURE.md: imports only point down. Like shell-boundary.test.ts this reads the tree as
 * text (every tracked or untracked source file git knows), takes each import specifier (static
 * `import … from`, `export … from`, side-effect `import '…'`, dynamic `import()`, `require()`,
 * `vi.mock()` and friends), resolves `@/` and relative paths to repository files, and lists
 * every `file → import` that breaks a rule below. The last block proves each rule catches an
 * offender, so a rule that could never fail does not pass for it.
 */

type Source = { path: string; text: string };
type Import = { spec: string; target: string; external: boolean; typeOnly: boolean };
type Rule = { name: string; applies: (file: string) => boolean; refuses: (imp: Import) => boolean };

const TEST_FILE = /\.(test|spec)\.tsx?$/;
const isTest = (file: string) => TEST_FILE.test(file);
/** Whether a path is one of `places` or inside one (extensions and `/index` aside, so unresolved paths match too). */
const within =
  (...places: string[]) =>
  (file: string) => {
    const p = file.replace(/\.(ts|tsx|mts|mjs|js|cjs)$/, '').replace(/\/index$/, '');
    return places.some((place) => p === place || p.startsWith(`${place}/`));
  };

/** The pure model: values, zod schemas and pure helpers that every layer may share. */
const NEUTRAL = within('lib/model');
/**
 * What a neutral module may use besides other neutral modules: parsing and arithmetic, no I/O
 * (node:crypto reads X.509 certificates and keys, node:net checks and compares IP addresses).
 */
const NEUTRAL_PACKAGES = new Set(['zod', 'cron-parser', 'node:crypto', 'node:net']);
/** The test runner under scripts/ (npm test: test bed, scratch databases, reports); the rest of scripts/ ships. */
const TEST_RUNNERS = within(
  'scripts/test',
  'scripts/lib/test-run',
  'scripts/lib/scratch-db',
  'scripts/lib/scratch-db.d',
  'scripts/testbed',
);
const SHIPPED = (file: string) => within('app', 'components', 'db', 'lib', 'scripts', 'next.config')(file) && !TEST_RUNNERS(file);

const RULES: Rule[] = [
  {
    // db/ sits under every lib domain module. It may use the key ring (lib/crypto), the runtime
    // handle (lib/runtime.ts) and the pure model; the AAD of sealed columns lives in db/sealed-aad.ts.
    // Test files may drive their queries through the lib code that calls them.
    name: 'db/ imports no lib domain module, app/ or components/',
    applies: (f) => f.startsWith('db/') && !isTest(f),
    refuses: (i) => !i.external && !within('db', 'lib/crypto', 'lib/runtime', 'lib/model')(i.target),
  },
  {
    name: 'lib/model is neutral: it imports only other lib/model modules and NEUTRAL_PACKAGES',
    applies: (f) => NEUTRAL(f) && !isTest(f),
    refuses: (i) => (i.external ? !NEUTRAL_PACKAGES.has(i.spec) : !NEUTRAL(i.target)),
  },
  {
    // Test files too: a test of a route handler is a test of the app layer and lives beside it
    // (app/api/metrics/route.test.ts, app/api/apps/[id]/deploy/route.test.ts).
    name: 'lib/ imports neither app/ nor components/',
    applies: (f) => f.startsWith('lib/'),
    refuses: (i) => !i.external && within('app', 'components')(i.target),
  },
  {
    // Pages and server actions load data and pass it down. `import type` of a row or query
    // shape stays allowed: it is erased at build (no client, query or driver reaches the
    // component) and lets the compiler check the page → component hand-off against the shape the
    // query really returns. Values (db, queries, constants) are refused.
    name: 'components/ imports no value from db/',
    applies: (f) => f.startsWith('components/') && !isTest(f),
    refuses: (i) => !i.external && !i.typeOnly && within('db')(i.target),
  },
  {
    name: 'shipped code imports no test support (test-support/, e2e/, vitest, Playwright)',
    applies: (f) => SHIPPED(f) && !isTest(f),
    refuses: (i) => (i.external ? /^(vitest|@playwright\/test|@vitest\/)/.test(i.spec) : within('test-support', 'e2e')(i.target)),
  },
  {
    // lib/jobs → lib/recipes → lib/remote. Recipes apply a plan (lib/plan) over a transport; they
    // read neither the spec (lib/spec) nor the database (db/): the runner that records their
    // tasks is lib/jobs/runner.ts. lib/apps, lib/env, lib/servers, lib/releases… orchestrate them
    // and sit above, so they may import lib/recipes but never the other way. Test files are
    // exempt: integration tests drive a recipe through the job that runs it.
    name: 'lib/recipes imports only lib/recipes, lib/plan, lib/model, lib/templates and lib/remote',
    applies: (f) => f.startsWith('lib/recipes/') && !isTest(f),
    refuses: (i) => !i.external && !within('lib/recipes', 'lib/plan', 'lib/model', 'lib/templates', 'lib/remote')(i.target),
  },
  {
    // The plan: pure functions from the spec's model and a server's facts to what must exist
    // there. Commands are values (lib/remote/command.ts renders them); nothing here connects.
    name: 'lib/plan is pure: it imports only lib/plan, lib/model, lib/templates and lib/remote/command',
    applies: (f) => f.startsWith('lib/plan/') && !isTest(f),
    refuses: (i) => (i.external ? true : !within('lib/plan', 'lib/model', 'lib/templates', 'lib/remote/command')(i.target)),
  },
];

const STATIC = /^[ \t]*(?:import|export)\s+(type\s+)?((?:(?!\b(?:import|export)\b)[\w$*{},\s])*?)\s*from\s*['"]([^'"\n]+)['"]/gm;
const SIDE_EFFECT = /^[ \t]*import\s*['"]([^'"\n]+)['"]/gm;
const CALL =
  /\b(?:import|require|vi\s*\.\s*(?:mock|doMock|unmock|doUnmock|importActual|importMock))\s*(?:<[^>()]*>)?\s*\(\s*['"]([^'"\n]+)['"]/g;
const RESOLVE_AS = ['', '.ts', '.tsx', '.mts', '.mjs', '.js', '/index.ts', '/index.tsx'];

/** `{ type A, type B }` imports no value; `import A, { type B }` or `* as X` does. */
function onlyTypes(clause: string): boolean {
  const braces = /^\{([\s\S]*)\}$/.exec(clause.trim());
  if (!braces) return false;
  const names = braces[1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((n) => /^type\s/.test(n));
}

function resolve(from: string, spec: string, files: ReadonlySet<string>): Pick<Import, 'target' | 'external'> {
  let base: string;
  if (spec.startsWith('@/')) base = spec.slice(2);
  else if (spec.startsWith('./') || spec.startsWith('../')) base = path.posix.join(path.posix.dirname(from), spec);
  else return { target: spec, external: true };
  const found = RESOLVE_AS.map((ext) => base + ext).find((candidate) => files.has(candidate));
  return { target: found ?? base, external: false };
}

function importsOf(source: Source, files: ReadonlySet<string>): Import[] {
  // Comments that start a line (JSDoc, `//` notes) may quote imports; strings like '**/*.ts' are left alone.
  const text = source.text.replace(/^[ \t]*\/\*[\s\S]*?\*\//gm, '').replace(/(^|[ \t])\/\/.*$/gm, '$1');
  const found: Array<{ spec: string; typeOnly: boolean }> = [];
  for (const m of text.matchAll(STATIC)) found.push({ spec: m[3]!, typeOnly: Boolean(m[1]) || onlyTypes(m[2]!) });
  for (const m of text.matchAll(SIDE_EFFECT)) found.push({ spec: m[1]!, typeOnly: false });
  for (const m of text.matchAll(CALL)) found.push({ spec: m[1]!, typeOnly: false });
  return found.map((f) => ({ ...f, ...resolve(source.path, f.spec, files) }));
}

/** Every broken rule, as `rule: file → specifier`. */
function violations(sources: Source[], rules: Rule[] = RULES): string[] {
  const files = new Set(sources.map((s) => s.path));
  const out: string[] = [];
  for (const source of sources) {
    const active = rules.filter((r) => r.applies(source.path));
    if (active.length === 0) continue;
    for (const imp of importsOf(source, files)) {
      for (const rule of active) if (rule.refuses(imp)) out.push(`${rule.name}: ${source.path} → ${imp.spec}`);
    }
  }
  return out;
}

function repoSources(): Source[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' }).split('\n');
  return listed
    .filter((f) => /\.(ts|tsx|mts|mjs|js|cjs)$/.test(f) && !f.startsWith('node_modules/') && existsSync(f))
    .map((f) => ({ path: f, text: readFileSync(f, 'utf8') }));
}

describe('the import boundary', () => {
  const sources = repoSources();

  it('reads the tree', () => {
    const files = new Set(sources.map((s) => s.path));
    const edges = sources.flatMap((s) => importsOf(s, files));
    expect(edges.length).toBeGreaterThan(1000);
    for (const rule of RULES)
      expect(
        sources.some((s) => rule.applies(s.path)),
        rule.name,
      ).toBe(true);
  });

  it.each(RULES.map((r) => [r.name, r] as const))('%s', (_name, rule) => {
    expect(violations(sources, [rule])).toEqual([]);
  });

  it('reports the offenders this test was written against, put back into the real tree', () => {
    const putBack: Record<string, string> = {
      'db/schema/servers.ts': "import { hostTextSchema } from '@/lib/remote/address';",
      'db/queries/sealed-columns.ts': "import { certificateKeyAad } from '../../lib/apps/certificates';",
      'lib/dashboard/status.ts': "import type { Tone } from '@/components/ui/badge';",
      'components/apps/data-services-card.tsx': "import { db } from '@/db';",
      'lib/recipes/configure/app-user.ts': "import { createApp } from '@/lib/apps/manage';",
      'lib/recipes/task.ts': "import { findRun } from '@/db/queries/runs';",
      'lib/recipes/configure/tls.ts': "import { planText } from '@/lib/spec/definitions';",
      'lib/plan/web-slots.ts': "import { transportFor } from '@/lib/servers/remote';",
      'lib/plan/desired-files.ts': "import fs from 'node:fs';",
      'lib/model/app-config.ts': "import { poolProblems } from '@/lib/templates/fpm-pool';",
      'lib/jobs/handlers.ts': "const { createTestDb } = await import('@/test-support/test-db');",
    };
    const edited = sources.map((s) => (putBack[s.path] ? { ...s, text: `${putBack[s.path]}\n${s.text}` } : s));
    const found = violations(edited).map((v) => v.slice(v.lastIndexOf(': ') + 2)); // `file → specifier`
    const expected = Object.entries(putBack).map(([file, line]) => `${file} → ${/['"]([^'"]+)['"]\)?;$/.exec(line)![1]}`);
    expect(found.sort()).toEqual(expected.sort());
  });
});

describe('the checker', () => {
  const check = (files: Record<string, string>) => violations(Object.entries(files).map(([p, text]) => ({ path: p, text })));
  const one = (file: string, text: string) => check({ [file]: text });

  it('reads every form of import, resolves paths, and skips comments', () => {
    const files = new Set(['lib/apps/manage.ts', 'db/index.ts', 'lib/a/b.ts']);
    const text = [
      "/** import { x } from '@/lib/commented'; */",
      "// import y from '@/lib/commented-too'",
      'import {\n  a,\n  type B,\n} from "@/lib/apps/manage";',
      "import type { C } from '../../db';",
      "import { type D, type E } from '@/db';",
      "export * from './b';",
      "import 'server-only';",
      "const m = await import('@/lib/apps/manage');",
      "vi.mock('@/db', () => ({}));",
      "const { b } = require('./b');",
      "const glob = '**/*.test.ts'; // '/*' in a string does not start a comment",
    ].join('\n');
    const got = importsOf({ path: 'lib/a/x.ts', text }, files).map((i) => `${i.target}${i.typeOnly ? ' (type)' : ''}`);
    expect(got.sort()).toEqual(
      [
        'db/index.ts',
        'db/index.ts (type)',
        'db/index.ts (type)',
        'lib/a/b.ts',
        'lib/a/b.ts',
        'lib/apps/manage.ts',
        'lib/apps/manage.ts',
        'server-only',
      ].sort(),
    );
  });

  it('db/: refuses a lib domain module, even as a type; allows lib/model, lib/crypto, lib/runtime', () => {
    expect(one('db/x.ts', "import { createApp } from '@/lib/apps/manage';")).toEqual([
      'db/ imports no lib domain module, app/ or components/: db/x.ts → @/lib/apps/manage',
    ]);
    expect(one('db/schema/x.ts', "import type { T } from '../../lib/dashboard/range';")).toHaveLength(1);
    expect(
      one(
        'db/x.ts',
        "import { a } from '@/lib/model/app-config';\nimport { seal } from '@/lib/crypto';\nimport { getRuntime } from '@/lib/runtime';",
      ),
    ).toEqual([]);
    expect(one('db/x.test.ts', "import { loadDashboard } from '@/lib/dashboard/load';")).toEqual([]);
  });

  it('lib/model: refuses a domain module or an I/O package', () => {
    expect(one('lib/model/x.ts', "import { appLayout } from '@/lib/apps/manage';")).toHaveLength(1);
    expect(one('lib/model/x.ts', "import { readFile } from 'node:fs/promises';")).toHaveLength(1);
    expect(one('lib/model/x.ts', "import { z } from 'zod';\nimport { y } from './y';")).toEqual([]);
  });

  it('lib/: refuses app/ and components/, in test files too', () => {
    expect(one('lib/dashboard/status.ts', "import type { Tone } from '@/components/ui/badge';")).toHaveLength(1);
    expect(one('lib/metrics/handler.test.ts', "import { GET } from '@/app/api/metrics/route';")).toHaveLength(1);
  });

  it('components/: refuses db values, allows db types', () => {
    expect(one('components/apps/card.tsx', "import { db } from '@/db';")).toEqual([
      'components/ imports no value from db/: components/apps/card.tsx → @/db',
    ]);
    expect(one('components/x.tsx', "import { ROLES, type Role } from '@/db/schema/users';")).toHaveLength(1);
    expect(one('components/x.tsx', "import type { Server } from '@/db/schema';\nimport { type App } from '@/db/schema';")).toEqual([]);
  });

  it('shipped code: refuses test support; test files and bench/ may use it', () => {
    expect(one('lib/x.ts', "import { createTestDb } from '@/test-support/test-db';")).toHaveLength(1);
    expect(one('app/page.tsx', "import { login } from '../e2e/fixtures';")).toHaveLength(1);
    expect(one('scripts/run-release.ts', "import { vi } from 'vitest';")).toHaveLength(1);
    expect(one('lib/x.test.ts', "import { createTestDb } from '@/test-support/test-db';")).toEqual([]);
    expect(one('bench/x.ts', "import { createTestDb } from '@/test-support/test-db';")).toEqual([]);
  });

  it('lib/recipes: refuses lib/apps and other orchestration; allows the model, templates and remote', () => {
    expect(one('lib/recipes/configure/x.ts', "import { dataServiceWarnings } from '@/lib/apps/data-services';")).toHaveLength(1);
    expect(one('lib/recipes/x.ts', "import { runConfigure } from '../apps/configure-job';")).toHaveLength(1);
    const fine =
      "import { appLayout } from '@/lib/plan/app-layout';\nimport { renderCron } from '@/lib/templates/cron';\nimport { cmd } from '@/lib/remote/command';";
    expect(one('lib/recipes/x.ts', fine)).toEqual([]);
  });
});
