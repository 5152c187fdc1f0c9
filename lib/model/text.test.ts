import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z, type ZodType } from 'zod';
import * as definitionOps from '@/lib/api/ops/definitions';
import * as envOps from '@/lib/api/ops/env';
import * as fleetOps from '@/lib/api/ops/fleet';
import * as releaseOps from '@/lib/api/ops/releases';
import { configFields } from '@/lib/apps/form-input';
import { panelBackupPolicyInput } from '@/lib/backups/panel-schedule';
import { editorRowsField } from '@/lib/env/editor-input';
import { opsRepoInput } from '@/lib/gitops/repo';
import { autoMonitorEditInput, monitorInput } from '@/lib/monitors/input';
import { CONFIG_SCHEMAS } from '@/lib/notify/config';
import { definition } from '@/lib/spec/schema';
import { appConfigInput } from './app-config';
import { backupPoliciesInput, targetSettingsInput } from './backup-policy';
import { multiLine, NO_CONTROLS, NO_NUL, ONE_LINE, opaqueText, singleLine, TEXT_CHECKS } from './text';

describe('the text primitives', () => {
  const cases: [string, ZodType, string, string | null][] = [
    ['single line: plain', singleLine(10), 'public', null],
    ['single line: NUL', singleLine(10), 'a\0b', ONE_LINE],
    ['single line: BEL', singleLine(10), 'a\u0007', ONE_LINE],
    ['single line: ESC', singleLine(10), '\u001b[31m', ONE_LINE],
    ['single line: DEL', singleLine(10), 'a\u007f', ONE_LINE],
    ['single line: C1 (CSI)', singleLine(10), 'a\u009b', ONE_LINE],
    ['single line: newline', singleLine(10), 'a\nb', ONE_LINE],
    ['single line: tab', singleLine(10), 'a\tb', ONE_LINE],
    ['single line: oversize', singleLine(10), 'x'.repeat(11), 'At most 10 characters'],
    ['single line: non-ASCII letters', singleLine(10), 'Zürich 😀', null],
    ['multi-line: lines, CRLF and tabs', multiLine(20), 'a\r\n\tb\nc', null],
    ['multi-line: NUL', multiLine(20), 'a\n\0', NO_CONTROLS],
    ['multi-line: ESC', multiLine(20), 'a\n\u001b', NO_CONTROLS],
    ['multi-line: oversize', multiLine(20), 'x\n'.repeat(11), 'At most 20 characters'],
    ['opaque: any character but NUL', opaqueText(20), '\u001b\u0007\t\n"', null],
    ['opaque: NUL', opaqueText(20), 'pass\0word', NO_NUL],
    ['opaque: oversize', opaqueText(20), 'x'.repeat(21), 'At most 20 characters'],
  ];
  it.each(cases)('%s', (_name, schema, value, message) => {
    const parsed = schema.safeParse(value);
    if (message === null) expect(parsed.error).toBeUndefined();
    else expect(parsed.error?.issues.map((i) => i.message)).toContain(message);
  });
});

type Def = {
  type: string;
  checks?: { _zod: { def: { check: string } } }[];
  innerType?: ZodType;
  in?: ZodType;
  out?: ZodType;
  element?: ZodType;
  shape?: Record<string, ZodType>;
  options?: ZodType[];
  keyType?: ZodType;
  valueType?: ZodType;
  left?: ZodType;
  right?: ZodType;
  items?: ZodType[];
  format?: string;
};
const defOf = (schema: ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const hasMax = (def: Def) => (def.checks ?? []).some((c) => c._zod.def.check === 'max_length');

/**
 * Every string in a schema that takes input without a length limit or without the text check,
 * and every array without a maximum count, by path. Wrappers are walked through; a pipe is
 * judged by its input (what arrives), except for z.preprocess, whose schema is the output.
 */
function unbounded(schema: ZodType, path: string, seen = new Set<ZodType>()): string[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const def = defOf(schema);
  const walk = (s: ZodType | undefined, p = path) => (s ? unbounded(s, p, seen) : []);
  switch (def.type) {
    case 'string': {
      if (def.format === 'uuid') return []; // fixed length, hex digits and dashes
      const problems: string[] = [];
      if (!hasMax(def)) problems.push(`${path}: a string without a length limit`);
      if (!(def.checks ?? []).some((c) => TEXT_CHECKS.includes(c))) problems.push(`${path}: a string not from lib/model/text.ts`);
      return problems;
    }
    case 'array':
      return [...(hasMax(def) ? [] : [`${path}: an array without a maximum count`]), ...walk(def.element, `${path}[]`)];
    case 'object':
      return Object.entries(def.shape!).flatMap(([key, s]) => walk(s, path ? `${path}.${key}` : key));
    case 'pipe':
      return defOf(def.in!).type === 'transform' ? walk(def.out) : walk(def.in);
    case 'union':
      return def.options!.flatMap((o) => walk(o));
    case 'record':
      return [...walk(def.keyType, `${path}{key}`), ...walk(def.valueType, `${path}{}`)];
    case 'intersection':
      return [...walk(def.left), ...walk(def.right)];
    case 'tuple':
      return def.items!.flatMap((s, i) => walk(s, `${path}[${i}]`));
    default:
      return def.innerType ? walk(def.innerType) : [];
  }
}

describe('every input schema bounds its text', () => {
  const roots: Record<string, ZodType> = {
    appConfigInput,
    definition,
    configFields,
    editorRowsField,
    monitorInput,
    autoMonitorEditInput,
    backupPoliciesInput,
    targetSettingsInput,
    panelBackupPolicyInput,
    opsRepoInput,
    ...Object.fromEntries(Object.entries(CONFIG_SCHEMAS).map(([kind, s]) => [`channel ${kind}`, s])),
    ...Object.fromEntries(
      [definitionOps, envOps, fleetOps, releaseOps].flatMap((ops) =>
        Object.entries(ops).flatMap(([name, op]) =>
          op && typeof op === 'object' && 'schema' in op ? [[`api ${name}`, op.schema as ZodType]] : [],
        ),
      ),
    ),
  };

  it('walks the API operations too', () => {
    expect(Object.keys(roots).filter((k) => k.startsWith('api ')).length).toBeGreaterThan(5);
  });

  it.each(Object.entries(roots))('%s', (_name, schema) => {
    expect(unbounded(schema, '')).toEqual([]);
  });

  it('the walk catches an offender of each kind', () => {
    const offender = z.object({
      a: z.string().max(5),
      b: singleLine(5).optional(),
      c: z.array(singleLine(5)),
      d: z.preprocess((v) => v, z.object({ e: z.string().regex(/^x$/) })),
      f: z.email(),
    });
    expect(unbounded(offender, '')).toEqual([
      'a: a string not from lib/model/text.ts',
      'c: an array without a maximum count',
      'd.e: a string without a length limit',
      'd.e: a string not from lib/model/text.ts',
      'f: a string without a length limit',
      'f: a string not from lib/model/text.ts',
    ]);
  });
});

/**
 * The schemas the walk cannot reach (inline in server actions, which may export only functions)
 * are held to the same rule by reading the source: a string schema starts from lib/model/text.ts.
 */
const BARE_STRING = /\bz\s*\.\s*(?:string|email|url)\s*\(/g;
const ALLOWED: Record<string, string> = {
  'lib/model/text.ts': 'the primitives themselves',
  'lib/config/env.ts': 'the process environment, not input',
  'lib/fpm/opcache.ts': "parses Berth's own script output from a server",
  'lib/recipes/release/opcache-warmup-script.ts': "parses Berth's own script output from a server",
};

describe('no string schema outside lib/model/text.ts', () => {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'lib', 'app', 'db', 'components'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => /\.tsx?$/.test(f) && !/\.(test|spec)\.tsx?$/.test(f));

  const offenders = (text: string) =>
    [...text.matchAll(BARE_STRING)].filter((m) => !/\.pipe\(\s*$/.test(text.slice(Math.max(0, m.index - 10), m.index)));

  it('finds none in input schemas', () => {
    const found = files.filter((f) => !(f in ALLOWED) && offenders(readFileSync(f, 'utf8')).length > 0);
    expect(found).toEqual([]);
  });

  it('the scan catches z.string(), z.email() and a chain split over lines, and lets a piped format pass', () => {
    expect(offenders("a: z.string().max(3), b: z\n  .string()\n  .trim(), c: z.email(), d: z.url('x')").length).toBe(4);
    expect(offenders('singleLine(254).pipe(z.email())')).toEqual([]);
  });
});
