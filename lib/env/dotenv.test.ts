import { describe, expect, it } from 'vitest';
import { checkEnvKey, checkEnvValue, parseDotenv, serializeDotenv, type ParseResult } from '@/lib/model/dotenv';
import { randomValue, rng } from '@/test-support/random-values';

// dotenv-php.integration.test.ts feeds the same kinds of values to the real phpdotenv.
const TRICKY: Array<[string, string]> = [
  ['EMPTY', ''],
  ['PLAIN', 'base64:abc+/x'],
  ['SPACES', 'two words here'],
  ['PADDED', '  leading and trailing  '],
  ['TABS', '\tx\t'],
  ['FORMFEED', '\f'],
  ['HASH', 'a #not-a-comment'],
  ['HASH_TIGHT', 'a#b'],
  ['ONLY_HASH', '#'],
  ['SINGLE', "it's"],
  ['DOUBLE', 'say "hi"'],
  ['BOTH', `it's "both"`],
  ['BACKSLASHES', 'C:\\path\\n\\\\x\\'],
  ['DOLLAR', '$HOME and $'],
  ['BRACED', '${X} and \\${Y}'],
  ['LF', 'line1\nline2\n'],
  ['CRLF', 'line1\r\nline2\r\n'],
  ['CR', 'a\rb'],
  ['UNICODE', 'héllo wörld ✓ 😀 \u00a0\u2028\u0085'],
  ['EQUALS', 'a=b==c'],
  ['LOOKS_QUOTED', '"quoted"'],
  ['LOOKS_SINGLE', "'single'"],
  ['OPENS_GROUP', 'x="y'],
  ['QUOTE_ONLY', '"'],
  ['EXPORT_LIKE', 'export A=1'],
  ['PEM', '-----BEGIN KEY-----\nMIIB+abc/def=\n-----END KEY-----\n'],
  ['LONG', `${'é'.repeat(700)}\n${'a'.repeat(1500)} ${'\\'.repeat(3)}`],
];

const ok = (r: ParseResult) => {
  if (!r.ok) throw new Error(r.message);
  return r.entries.map((e) => [e.key, e.value]);
};
const fails = (text: string) => {
  const r = parseDotenv(text);
  if (r.ok) throw new Error(`parsed: ${JSON.stringify(r.entries)}`);
  return { line: r.line, message: r.message };
};

function randomValues(count: number, seed: number): string[] {
  const next = rng(seed);
  return Array.from({ length: count }, () => randomValue(next));
}

describe('serializeDotenv → parseDotenv', () => {
  it('reads back every tricky value exactly, in the given order', () => {
    const text = serializeDotenv(TRICKY);
    expect(ok(parseDotenv(text))).toEqual(TRICKY);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(TRICKY.length + 1); // one line per entry, always
  });

  it('quotes as little as it can', () => {
    expect(serializeDotenv({ A: 'postgres://u@h:5432/db', B: '', C: 'a b', D: "it's", E: 'a\nb$' })).toBe(
      'A=postgres://u@h:5432/db\nB=\nC=\'a b\'\nD="it\'s"\nE="a\\nb\\$"\n',
    );
    expect(serializeDotenv([])).toBe('');
  });

  it('round-trips 3000 random values from a nasty alphabet', () => {
    const values = randomValues(3000, 42);
    const entries = values.map((v, i): [string, string] => [`K${i}`, v]);
    expect(ok(parseDotenv(serializeDotenv(entries)))).toEqual(entries);
  });

  it('refuses what it could not write back', () => {
    expect(() => serializeDotenv({ 'bad key': 'x' })).toThrow('the key is not valid');
    expect(() => serializeDotenv({ A: 'x\0y' })).toThrow('A: Values cannot contain a NUL byte');
    expect(() =>
      serializeDotenv([
        ['A', '1'],
        ['A', '2'],
      ]),
    ).toThrow('A appears twice');
    expect(() => serializeDotenv({ A: 'x\uD800' })).toThrow('valid Unicode');
  });
});

describe('parseDotenv', () => {
  it('reads comments, blank lines, export, spaces around = and inline comments as phpdotenv does', () => {
    const text = [
      '# comment',
      '',
      '  ',
      'export APP_NAME=Berth',
      'A = 1 # one',
      'B=x#y',
      'C=#only',
      "D='x' # c",
      'E="y"#c',
      'F=',
      'G= ',
      "H=''",
    ].join('\n');
    expect(ok(parseDotenv(text))).toEqual([
      ['APP_NAME', 'Berth'],
      ['A', '1'],
      ['B', 'x'],
      ['C', ''],
      ['D', 'x'],
      ['E', 'y'],
      ['F', ''],
      ['G', ''],
      ['H', ''],
    ]);
  });

  it('numbers lines, with CRLF, lone CR and a BOM', () => {
    const r = parseDotenv('\uFEFFA=1\r\n\r\nB=2\rC=3');
    expect(r).toEqual({
      ok: true,
      entries: [
        { key: 'A', value: '1', line: 1 },
        { key: 'B', value: '2', line: 3 },
        { key: 'C', value: '3', line: 4 },
      ],
    });
  });

  it('reads multi-line double-quoted values and their escapes; CRLF inside becomes LF, like phpdotenv', () => {
    expect(ok(parseDotenv('K="a\r\nb"\nL="\\t\\n\\r\\f\\v\\\\\\"\\$x"\nM=after'))).toEqual([
      ['K', 'a\nb'],
      ['L', '\t\n\r\f\v\\"$x'],
      ['M', 'after'],
    ]);
    expect(parseDotenv('X=1\nK="a\nb"\nM=2')).toMatchObject({
      ok: true,
      entries: [{ line: 1 }, { key: 'K', line: 2 }, { key: 'M', line: 4 }],
    });
  });

  it('keeps single-quoted values literal', () => {
    expect(ok(parseDotenv("K='a\\n$HOME ${X} # \" \\'"))).toEqual([['K', 'a\\n$HOME ${X} # " \\']]);
  });

  const SECRET = 'hunter2';
  it.each([
    ['MY KEY=1', 1, 'line 1: the key is not valid: use A-Z, 0-9 and _, not starting with a digit'],
    ['A=1\n\nlower=1', 3, 'line 3: the key is not valid'],
    ['1ABC=1', 1, 'the key is not valid'],
    ['"A"=1', 1, 'the key is not valid'],
    ['export A=1', 1, 'the key is not valid'], // phpdotenv strips "export " only before 2+ characters
    ['A=1\nhunter2', 2, 'line 2: missing "=": write KEY=value'],
    ['=hunter2', 1, 'line 1: missing key before "="'],
    ['A=1\nDB_HOST=x\nB=2\nDB_HOST=hunter2', 4, 'line 4: DB_HOST is already set on line 2'],
    ["A=1\nK='hunter2\nmore'", 2, 'line 2: the quote that opens the value of K is never closed'],
    ['A=1\nK="hunter2\nB=2\n', 2, 'line 2: the quote opened on this line is never closed'],
    ['K=hunter2 more', 1, 'line 1: the value of K contains a space: put it in quotes'],
    ['K="hunter2"x', 1, 'line 1: the value of K has text after its closing quote'],
    ['K="hunter2\\q"', 1, 'line 1: the value of K has an unsupported escape'],
    ['K="${HUNTER2}"', 1, 'line 1: the value of K contains ${…}'],
    ['K=x${A}', 1, 'contains ${…}'],
    ['A=1\nB=hunter2\0', 2, 'line 2: contains a NUL byte'],
    ['# set K="x\nA=hunter2\nB="y"', 1, 'line 1: this comment contains ="'],
  ])('%j fails on line %i', (text, line, message) => {
    const r = fails(text);
    expect(r.line).toBe(line);
    expect(r.message).toContain(message);
    expect(r.message.toLowerCase()).not.toContain(SECRET);
  });

  it('accepts what is not interpolated: a lone $, an escaped \\${ and single quotes', () => {
    expect(ok(parseDotenv('A=$\nB="\\${X}"\nC=\'${X}\'\nD="$ {X}"'))).toEqual([
      ['A', '$'],
      ['B', '${X}'],
      ['C', '${X}'],
      ['D', '$ {X}'],
    ]);
  });

  it('ignores a lone comment with =" on the last line, as phpdotenv does', () => {
    expect(ok(parseDotenv('A=1\n# B="x'))).toEqual([['A', '1']]);
  });
});

describe('checkEnvKey / checkEnvValue', () => {
  it('checks keys', () => {
    expect(checkEnvKey('DB_HOST')).toBeNull();
    expect(checkEnvKey('_X1')).toBeNull();
    expect(checkEnvKey('')).toBe('Enter a key');
    for (const bad of ['db_host', '1X', 'A-B', 'A.B', 'A B', 'É']) expect(checkEnvKey(bad)).toContain('the key is not valid');
  });
  it('checks values', () => {
    expect(checkEnvValue('anything \n "\' $ 😀')).toBeNull();
    expect(checkEnvValue('a\0b')).toBe('Values cannot contain a NUL byte');
    expect(checkEnvValue('\uDC00x')).toBe('Values must be valid Unicode text');
  });
});
