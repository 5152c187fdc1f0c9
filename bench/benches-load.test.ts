// Every bench at least loads: bundled as scripts/run-ts.mjs bundles it (the same bundle()), then
// imported by the Node that runs the benches with BERTH_BENCH_LOAD_ONLY=1, so each of its modules
// resolves and initialises while runBench() skips the work. No root, test hosts or network.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle } from '@/scripts/lib/bundle.mjs';
import { LOADED } from './run-bench';

const root = fileURLToPath(new URL('..', import.meta.url));
const benchDir = path.join(root, 'bench');
const nodeBin = fs.existsSync(path.join(root, 'node_modules/.bin/node')) ? path.join(root, 'node_modules/.bin/node') : process.execPath;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-load-'));
// As in scripts/run-ts.mjs: the bundles' bare imports resolve against the project.
fs.symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const parse = (file: string) => ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
const isRunBench = (s: ts.Statement) => /^await runBench\(main\);?$/.test(s.getText());

/** The benches: bench/*.ts that no other bench file imports (those are helpers). */
function benchEntries(): string[] {
  const files = fs.readdirSync(benchDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));
  const helpers = new Set<string>();
  for (const f of files)
    for (const s of parse(path.join(benchDir, f)).statements)
      if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text.startsWith('./'))
        helpers.add(`${s.moduleSpecifier.text.slice(2)}.ts`);
  return files.filter((f) => !helpers.has(f)).sort();
}

/** Top-level statements that would do something on import: a bench keeps its work in main(). */
function topLevelWork(file: string): string[] {
  return parse(file)
    .statements.filter(
      (s) =>
        !(
          ts.isImportDeclaration(s) ||
          ts.isTypeAliasDeclaration(s) ||
          ts.isInterfaceDeclaration(s) ||
          ts.isFunctionDeclaration(s) ||
          isRunBench(s)
        ),
    )
    .map((s) => s.getText().split('\n')[0]!);
}

type Loaded = { file: string; ok: boolean; problem?: string };

/** Bundles each file; a bundling error (an import that does not resolve) names its file and line. */
async function bundleAll(files: string[]): Promise<{ bundled: Map<string, string>; failed: Loaded[] }> {
  const bundled = new Map<string, string>();
  const failed: Loaded[] = [];
  await Promise.all(
    files.map(async (file, i) => {
      const outfile = path.join(work, `${path.basename(file, '.ts')}-${i}-${process.hrtime.bigint()}.mjs`);
      try {
        await bundle(file, outfile, { logLevel: 'silent' });
        bundled.set(file, outfile);
      } catch (err) {
        const errors = (err as { errors?: { text: string; location: { file: string; line: number } | null }[] }).errors;
        if (!errors) throw err;
        failed.push({
          file,
          ok: false,
          problem: errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('\n'),
        });
      }
    }),
  );
  return { bundled, failed };
}

/** Imports each bundle in one child Node with BERTH_BENCH_LOAD_ONLY=1; loaded = imported and runBench() said so. */
const IMPORTER = `
const log = console.log;
let lines = [];
console.log = (...a) => lines.push(a.join(' '));
const out = [];
for (const [file, url] of JSON.parse(process.argv[1])) {
  lines = [];
  try {
    await import(url);
    out.push({ file, ok: lines.includes(${JSON.stringify(LOADED)}), problem: 'imported, but runBench() did not report a load-only run: ' + JSON.stringify(lines.slice(-3)) });
  } catch (err) {
    out.push({ file, ok: false, problem: err instanceof Error ? err.name + ': ' + err.message : String(err) });
  }
}
process.stdout.write(JSON.stringify(out), () => process.exit(0));
`;

function importAll(bundled: Map<string, string>): Promise<Loaded[]> {
  const list = [...bundled].map(([file, out]) => [file, pathToFileURL(out).href]);
  const env = { ...process.env, BERTH_BENCH_LOAD_ONLY: '1', NODE_OPTIONS: undefined }; // nothing of vitest's in the child
  return new Promise((resolve, reject) =>
    execFile(
      nodeBin,
      ['--input-type=module', '-e', IMPORTER, JSON.stringify(list)],
      { cwd: work, env, timeout: 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`the importer failed: ${err.message}\n${stderr}`))
          : resolve((JSON.parse(stdout) as Loaded[]).map((r) => (r.ok ? { file: r.file, ok: true } : r))),
    ),
  );
}

async function load(files: string[]): Promise<Map<string, Loaded>> {
  const { bundled, failed } = await bundleAll(files);
  const loaded = bundled.size ? await importAll(bundled) : [];
  return new Map([...failed, ...loaded].map((r) => [r.file, r]));
}

describe('benches', () => {
  const entries = benchEntries();

  it('are found, and keep their work behind runBench(main)', () => {
    expect(entries).toEqual(
      expect.arrayContaining([
        'dashboard-query.ts',
        'env-push.ts',
        'monitor-storage.ts',
        'monitors-scheduler.ts',
        'provision.ts',
        'releases.ts',
        'remote.ts',
        'startup.ts',
      ]),
    );
    for (const f of entries) {
      const file = path.join(benchDir, f);
      expect(topLevelWork(file), `${f}: top-level statements outside main()`).toEqual([]);
      expect(parse(file).statements.filter(isRunBench), `${f}: ends with await runBench(main)`).toHaveLength(1);
    }
  });

  it('all load through the runner’s bundle, without running', { timeout: 90_000 }, async () => {
    // Guard: never import a bench whose work is not behind runBench (it would run here).
    const safe = entries.filter((f) => topLevelWork(path.join(benchDir, f)).length === 0);
    const results = await load(safe.map((f) => path.join(benchDir, f)));
    expect([...results.values()].filter((r) => !r.ok)).toEqual([]);
    expect(results.size).toBe(entries.length);
  });

  it('a bench with an import that does not resolve fails the check (and the runner)', { timeout: 90_000 }, async () => {
    const tmp = fs.mkdtempSync(path.join(work, 'bad-'));
    const write = (name: string, imports: string) => {
      const file = path.join(tmp, name);
      fs.writeFileSync(
        file,
        `${imports}\nimport { runBench } from '@/bench/run-bench';\n\nasync function main(): Promise<void> {\n  throw new Error('ran');\n}\n\nawait runBench(main);\n`,
      );
      return file;
    };
    const good = write('good.ts', "import { sql } from 'drizzle-orm';\nimport { cmd } from '@/lib/remote/command';\nvoid sql; void cmd;");
    const alias = write('alias.ts', "import { nothing } from '@/lib/no-such-module';\nvoid nothing;");
    const relative = write('relative.ts', "import { nothing } from './no-such-helper';\nvoid nothing;");
    const pkg = write('package.ts', "import nothing from 'berth-no-such-package';\nvoid nothing;");
    const named = write('named.ts', "import { noSuchExport } from 'drizzle-orm';\nvoid noSuchExport;");
    const r = await load([good, alias, relative, pkg, named]);
    expect(r.get(good)).toEqual({ file: good, ok: true });
    expect(r.get(alias)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/alias\.ts:1: Could not resolve "@\/lib\/no-such-module"/),
    });
    expect(r.get(relative)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/relative\.ts:1: Could not resolve "\.\/no-such-helper"/),
    });
    expect(r.get(pkg)).toMatchObject({ ok: false, problem: expect.stringContaining("Cannot find package 'berth-no-such-package'") });
    expect(r.get(named)).toMatchObject({ ok: false, problem: expect.stringContaining("does not provide an export named 'noSuchExport'") });

    // The command the benches are run with refuses the same file, naming the import.
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
      execFile(
        nodeBin,
        ['scripts/run-ts.mjs', alias],
        { cwd: root, env: { ...process.env, BERTH_BENCH_LOAD_ONLY: '1' } },
        (err, _stdout, stderr) => resolve({ code: err ? (err.code as number) : 0, stderr }),
      ),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Could not resolve "@/lib/no-such-module"');
  });
});
