import { describe, expect, it } from 'vitest';
import { newServerInput, newUserInput } from '@/db/schema';
import { newTokenInput } from '@/lib/auth/api-tokens';
import { editorRowsField, envFromRows } from '@/lib/env/editor-input';
import { parseDotenv, serializeDotenv } from '@/lib/model/dotenv';
import { hostTextSchema } from '@/lib/model/host-address';
import { ONE_LINE } from '@/lib/model/text';
import { monitorInput } from '@/lib/monitors/input';
import { parseChannelConfig } from '@/lib/notify/config';
import { ActionError } from '@/lib/auth/action-core';
import type { z } from 'zod';
import { appFormInput } from './form-input';

/**
 * Issue 19: NUL, control characters and oversize values are field errors (never a 500 from the
 * database, which refuses NUL in text), for every kind of form. Each row names the field the
 * error must be reported under.
 */
const NUL = '\u0000';
const BEL = '\u0007';
const ESC = '\u001b';
const BAD = { NUL, BEL, ESC } as const;

/** Messages per field, the way the action wrapper reports them (lib/auth/action-core.ts fieldErrorsOf). */
const fieldsOf = (error: z.ZodError | undefined) => {
  const out: Record<string, string[]> = {};
  for (const issue of error?.issues ?? []) {
    const field = String(issue.path[0] ?? '_form');
    out[field] = [...(out[field] ?? []), issue.message];
  }
  return out;
};

describe("an app's fields", () => {
  const app = (fields: Record<string, unknown>) =>
    fieldsOf(appFormInput.safeParse({ name: 'Shop', slug: 'shop', kind: 'php', domains: 'shop.test', ...fields }).error);
  const cases: [string, string, (bad: string) => string][] = [
    ['name', 'name', (bad) => `Sh${bad}op`],
    ['webRoot', 'webRoot', (bad) => `public${bad}`],
    ['sharedPaths', 'sharedPaths', (bad) => `storage uploads${bad}`],
    ['writablePaths', 'writablePaths', (bad) => `cache${bad}`],
    ['domains', 'domains', (bad) => `shop.test www${bad}.shop.test`],
    ['repository', 'repository', (bad) => `https://git.example.test/shop${bad}.git`],
    ['branch', 'branch', (bad) => `main${bad}`],
    ['healthPath', 'healthPath', (bad) => `/up${bad}`],
    ['processCommand', 'processCommand', (bad) => `node server${bad}.js`],
    ['buildCommands', 'buildCommands', (bad) => `composer install\nphp artisan${bad}`],
    ['nginxSnippet', 'nginxSnippet', (bad) => `location /x { return 204; }${bad}`],
  ];
  for (const [kind, bad] of Object.entries(BAD))
    it.each(cases)(`%s: ${kind} is a field error on %s`, (field, reported, value) => {
      const extra = field === 'processCommand' ? { kind: 'process', port: '9301' } : {};
      expect(app({ ...extra, [field]: value(bad) })[reported]?.length).toBeGreaterThan(0);
    });

  it.each([
    ['webRoot', 'a'.repeat(201)],
    ['sharedPaths', `storage ${'a'.repeat(201)}`],
    ['writablePaths', 'b'.repeat(100_000)],
    ['domains', `shop.test ${'a'.repeat(100_000)}.test`],
    ['name', 'N'.repeat(81)],
    ['nginxSnippet', '#'.repeat(8001)],
  ])('%s: an oversize value is a field error', (field, value) => {
    expect(app({ [field]: value })[field]).toEqual(expect.arrayContaining([expect.stringMatching(/at most|under|characters/i)]));
  });

  it('limits how many shared and writable paths an app has', () => {
    const many = Array.from({ length: 51 }, (_, i) => `p${i}`).join(' ');
    expect(app({ sharedPaths: many }).sharedPaths).toEqual(['At most 50 shared paths']);
    expect(app({ writablePaths: many }).writablePaths).toEqual(['At most 50 writable paths']);
    expect(app({ sharedPaths: many.split(' ').slice(0, 50).join(' ') }).sharedPaths).toBeUndefined();
  });

  it('keeps tabs and lines where a field is multi-line', () => {
    expect(app({ nginxSnippet: 'location /x {\n\treturn 204;\n}', buildCommands: 'composer install\r\nphp artisan about' })).toEqual({});
  });
});

describe('env keys and values', () => {
  const rowErrors = (rows: { key: string; value: string }[]) => {
    try {
      envFromRows(
        rows.map((r) => ({ ...r, original: null })),
        {},
      );
      return {};
    } catch (err) {
      expect(err).toBeInstanceOf(ActionError);
      return (err as ActionError).fieldErrors ?? {};
    }
  };

  it('refuses a pasted 100k-character key, in the editor and in a file, without echoing it', () => {
    const key = 'K'.repeat(100_000);
    const parsed = editorRowsField.safeParse(JSON.stringify([{ key, original: null, value: 'v' }]));
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['0.key']);
    expect(rowErrors([{ key: 'K'.repeat(129), value: 'v' }])).toEqual({ 'rows.0.key': ['the key is longer than 128 characters'] });
    const file = parseDotenv(`A=1\n${key}=v\n`);
    expect(file).toMatchObject({ ok: false, line: 2 });
    expect(JSON.stringify(file).length).toBeLessThan(200);
  });

  it('keeps a key stored before the limit: it is written out, and kept by the editor unless renamed', () => {
    const old = 'K'.repeat(200); // the editor allowed 200 before, a pasted file any length
    expect(serializeDotenv({ [old]: 'v' }).startsWith(`${old}=`)).toBe(true);
    expect(envFromRows([{ key: old, original: old, value: null }], { [old]: 'v' })).toEqual({ [old]: 'v' });
    expect(() => envFromRows([{ key: `${old}X`, original: old, value: null }], { [old]: 'v' })).toThrow(ActionError);
  });

  it('takes DEL and C1 characters in a value through the editor, as a pasted file does', () => {
    const value = 'a\u007fb\u0085c';
    const rows = editorRowsField.parse(JSON.stringify([{ key: 'A', original: null, value }]));
    expect(envFromRows(rows, {})).toEqual({ A: value });
    expect(parseDotenv(`A="${value}"`)).toMatchObject({ ok: true });
  });

  it('refuses NUL and control characters in a key, NUL in a value, and a value over 64 KiB', () => {
    for (const bad of Object.values(BAD)) expect(rowErrors([{ key: `A${bad}B`, value: 'v' }])['rows.0.key']).toHaveLength(1);
    expect(rowErrors([{ key: 'A', value: `x${NUL}y` }])).toEqual({ 'rows.0.value': ['Values cannot contain a NUL byte'] });
    expect(rowErrors([{ key: 'A', value: 'é'.repeat(40_000) }])).toEqual({ 'rows.0.value': ['Values are limited to 64 KiB'] });
    expect(parseDotenv(`BIG="${'x'.repeat(70_000)}"`)).toMatchObject({ ok: false, line: 1 });
    const parsed = editorRowsField.safeParse(JSON.stringify([{ key: 'A', original: null, value: `x${NUL}` }]));
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['0.value']);
  });

  it('keeps any other character in a value: certificates, JSON, escapes', () => {
    expect(rowErrors([{ key: 'CERT', value: `-----BEGIN-----\n\tabc\n${ESC}[0m {"a":1}` }])).toEqual({});
  });
});

describe('alert channel settings', () => {
  const errors = (kind: Parameters<typeof parseChannelConfig>[0], fields: Record<string, unknown>) => {
    const r = parseChannelConfig(kind, fields);
    return r.ok ? {} : r.fieldErrors;
  };
  it.each(Object.entries(BAD))('%s in a URL is a field error on url', (_name, bad) => {
    expect(errors('webhook', { url: `https://hooks.example.test/a${bad}b` }).url).toHaveLength(1);
    expect(errors('slack', { url: `https://hooks.example.test/${bad}` }).url).toHaveLength(1);
    expect(errors('webhook', { url: 'https://hooks.example.test/', headerName: 'X-Key', headerValue: `s${bad}` }).headerValue).toHaveLength(
      1,
    );
    expect(errors('email', { host: 'smtp.test', port: '25', security: 'none', from: `a${bad}@x.test`, to: 'b@x.test' }).from).toHaveLength(
      1,
    );
  });
  it('refuses an oversize URL', () => {
    expect(errors('discord', { url: `https://hooks.example.test/${'a'.repeat(3000)}` }).url).toEqual(
      expect.arrayContaining(['At most 2000 characters']),
    );
  });
});

describe('server and monitor fields', () => {
  const server = (fields: Record<string, unknown>) =>
    fieldsOf(newServerInput.safeParse({ name: 'web-1', host: '203.0.113.7', port: '22', username: 'root', ...fields }).error);
  it.each(Object.entries(BAD))('%s is a field error on each server field', (_name, bad) => {
    for (const field of ['name', 'host', 'username', 'bindAddress'])
      expect(server({ [field]: `x${bad}1` })[field]?.length, field).toBeGreaterThan(0);
  });
  it('refuses oversize server fields', () => {
    for (const field of ['name', 'host', 'username', 'bindAddress'])
      expect(server({ [field]: 'a'.repeat(100_000) })[field]?.length, field).toBeGreaterThan(0);
  });

  const monitor = (fields: Record<string, unknown>) =>
    fieldsOf(monitorInput.safeParse({ kind: 'http', name: 'up', url: 'https://shop.example.test/', ...fields }).error);
  it.each(Object.entries(BAD))('%s is a field error on each monitor field', (_name, bad) => {
    for (const field of ['name', 'url', 'keyword', 'expectedStatus'])
      expect(monitor({ [field]: `x${bad}` })[field], field).toContain(ONE_LINE);
  });
  it('refuses oversize monitor fields', () => {
    for (const field of ['name', 'url', 'keyword', 'expectedStatus'])
      expect(monitor({ [field]: 'a'.repeat(100_000) })[field]?.[0], field).toMatch(/^At most \d+ characters$/);
  });
});

describe('user and API token fields', () => {
  const user = (fields: Record<string, unknown>) =>
    fieldsOf(
      newUserInput.safeParse({ email: 'ops@example.test', name: 'Ops', password: 'correct horse battery', role: 'viewer', ...fields })
        .error,
    );
  it.each(Object.entries(BAD))('%s is a field error on the name and email; only NUL on the password', (name, bad) => {
    for (const field of ['name', 'email']) expect(user({ [field]: `op${bad}s@example.test` })[field]?.length, field).toBeGreaterThan(0);
    // A password may hold any character Postgres stores; NUL it cannot.
    expect(user({ password: `correct horse${bad}battery` }).password?.length ?? 0).toBe(name === 'NUL' ? 1 : 0);
    expect(fieldsOf(newTokenInput.safeParse({ name: `ci${bad}`, role: 'viewer' }).error).name?.length).toBeGreaterThan(0);
  });
});

describe('surrounding whitespace', () => {
  it('is trimmed before the one-line check, as before there was one (a YAML block scalar ends in a newline)', () => {
    expect(hostTextSchema.parse('example.com\n')).toBe('example.com');
    expect(hostTextSchema.parse('\texample.com ')).toBe('example.com');
    expect(hostTextSchema.safeParse('exam\nple.com').success).toBe(false);
  });
});
