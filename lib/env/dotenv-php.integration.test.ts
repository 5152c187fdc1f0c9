import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDotenv, serializeDotenv } from '@/lib/model/dotenv';
import { pick, randomValue, rng } from '@/test-support/random-values';

// The proof that lib/model/dotenv.ts reads and writes .env files exactly as Laravel's reader does:
// the real phpdotenv (Debian's php-vlucas-phpdotenv, which scripts/testbed/up.sh installs in the
// /usr the test hosts share) runs here through php-cli. No test host is needed, but the testbed
// leg is where php and the package are guaranteed.
const AUTOLOAD = '/usr/share/php/Dotenv/autoload.php';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dotenv-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Php = { ok: true; entries: Array<[string, string | null]> } | { ok: false; error: string };

// argv, no shell; a minimal environment so createImmutable finds none of our keys already set.
function php(code: string, args: string[] = [], input = ''): unknown {
  if (!fs.existsSync(AUTOLOAD)) throw new Error(`${AUTOLOAD} is missing: run scripts/testbed/up.sh (it installs php-vlucas-phpdotenv)`);
  const out = execFileSync('php', ['-d', 'display_errors=stderr', '-r', `require '${AUTOLOAD}';\n${code}`, '--', ...args], {
    input,
    env: { PATH: '/usr/bin:/bin', NODE_ENV: 'test' },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  return JSON.parse(out);
}
const PAIRS = 'function pairs($a) { $o = []; foreach ($a as $k => $v) $o[] = [(string) $k, $v]; return $o; }';

/** Loads <dir>/.env the ways an app does: array-backed, and immutable into $_ENV/$_SERVER as Laravel does. */
function loadFile(text: string) {
  const dir = fs.mkdtempSync(path.join(tmp, 'app-'));
  fs.writeFileSync(path.join(dir, '.env'), text);
  return php(
    `${PAIRS}
    $arr = Dotenv\\Dotenv::createArrayBacked($argv[1])->load();
    $loaded = Dotenv\\Dotenv::createImmutable($argv[1])->load();
    $env = []; foreach ($arr as $k => $v) $env[] = [(string) $k, $_ENV[$k] ?? null, $_SERVER[$k] ?? null];
    echo json_encode(['array' => pairs($arr), 'loaded' => pairs($loaded), 'env' => $env], JSON_THROW_ON_ERROR);`,
    [dir],
  ) as { array: Array<[string, string]>; loaded: Array<[string, string]>; env: Array<[string, string, string]> };
}

/** Dotenv::parse (the same Parser and Loader over a string) for many texts in one php run. */
function phpParse(texts: string[]): Php[] {
  return php(
    `${PAIRS}
    $out = [];
    foreach (json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR) as $t) {
      try { $out[] = ['ok' => true, 'entries' => pairs(Dotenv\\Dotenv::parse($t))]; }
      catch (Throwable $e) { $out[] = ['ok' => false, 'error' => get_class($e) . ': ' . $e->getMessage()]; }
    }
    echo json_encode($out, JSON_THROW_ON_ERROR);`,
    [],
    JSON.stringify(texts),
  ) as Php[];
}
const ours = (text: string) => {
  const r = parseDotenv(text);
  return r.ok ? { ok: true as const, entries: r.entries.map((e): [string, string] => [e.key, e.value]) } : r;
};

const TRICKY: Array<[string, string]> = [
  ['EMPTY', ''],
  ['PLAIN', 'postgres://u@h:5432/db'],
  ['SPACES', 'two words'],
  ['PADDED', '  pad  '],
  ['TABS', '\tx\t'],
  ['FORMFEED', '\f'],
  ['VTAB', '\v'],
  ['HASH', 'a #b'],
  ['HASH_TIGHT', 'a#b'],
  ['ONLY_HASH', '#'],
  ['SINGLE', "it's"],
  ['DOUBLE', 'say "hi"'],
  ['BOTH', `it's "both"`],
  ['BACKSLASHES', 'C:\\path\\n\\\\x\\'],
  ['DOLLAR', '$HOME and $'],
  ['BRACED', '${PATH} ${BRACED} \\${Y}'],
  ['LF', 'l1\nl2\n'],
  ['CRLF', 'l1\r\nl2\r\n'],
  ['CR', 'a\rb'],
  ['EQUALS', 'a=b==c'],
  ['UNICODE', 'héllo ✓ 😀 \u00a0\u2028\u0085\uFEFF'],
  ['LOOKS_QUOTED', '"quoted"'],
  ['LOOKS_SINGLE', "'single'"],
  ['OPENS_GROUP', 'x="y'],
  ['QUOTE_ONLY', '"'],
  ['EXPORT_LIKE', 'export A=1'],
  ['COMMENT_LIKE', '# x="y'],
  ['PEM', '-----BEGIN KEY-----\nMIIB+abc/def=\n-----END KEY-----\n'],
  // Past the lexer's 1000-byte tokens, with a multi-byte character cut at the boundary.
  ['LONG', `\n${'é'.repeat(700)}\n${'a'.repeat(1500)} ${'\\'.repeat(3)}${' '.repeat(1200)}x`],
];

describe('serializeDotenv, read by the real phpdotenv', () => {
  it('php and phpdotenv are installed', () => {
    expect(execFileSync('php', ['-r', 'echo PHP_MAJOR_VERSION;'], { encoding: 'utf8' })).toBe('8');
    expect(fs.existsSync(AUTOLOAD)).toBe(true);
  });

  it('every tricky value and 2000 random ones come back exactly, array-backed and into $_ENV/$_SERVER', () => {
    const next = rng(7);
    const entries: Array<[string, string]> = [
      ...TRICKY,
      ...Array.from({ length: 2000 }, (_, i): [string, string] => [`R${i}`, randomValue(next, 24)]),
    ];
    const text = serializeDotenv(entries);
    const got = loadFile(text);
    expect(got.array).toEqual(entries);
    expect(got.loaded).toEqual(entries);
    expect(got.env).toEqual(entries.map(([k, v]) => [k, v, v]));
    expect(ours(text)).toEqual({ ok: true, entries });
  });

  it('a value written alone, with a comment and a blank line around it, also comes back', () => {
    for (const [k, v] of TRICKY) expect(loadFile(`# before\n\n${serializeDotenv({ [k]: v })}# after\n`).array).toEqual([[k, v]]);
  });
});

describe('parseDotenv agrees with phpdotenv', () => {
  // Random files: whenever our parser accepts one, phpdotenv must load exactly the same entries.
  it('on 4000 random files: everything we accept, phpdotenv reads the same', () => {
    const next = rng(11);
    const KEYS = ['A', 'B', 'K1', 'export C', 'export DD', 'lower', ' E ', '"F"', '1G', 'H I', '', 'A.B'];
    const SEPS = ['=', ' = ', '=\t', '==', ''];
    const LINES = ['', '# comment', '  # x="y', '"', 'x"', '   ', '#"', 'K="', "K='"];
    const texts = Array.from({ length: 4000 }, () => {
      const line = (i: number) => {
        const r = next();
        if (r < 0.15) return pick(next, LINES);
        if (r < 0.35) return serializeDotenv([[`K${i}`, randomValue(next, 10)]]).slice(0, -1); // a line we write
        const q = pick(next, ['', '', '"', "'"]); // hand-written, often quoted
        return `${next() < 0.6 ? `K${i}` : pick(next, KEYS)}${pick(next, SEPS)}${q}${randomValue(next, 6)}${next() < 0.8 ? q : ''}${pick(next, ['', ' ', ' # c', '#'])}`;
      };
      const lines = Array.from({ length: 1 + Math.floor(next() * 5) }, (_, i) => line(i));
      return lines.map((l) => l + pick(next, ['\n', '\r\n', '\r', '\n'])).join('');
    });
    const theirs = phpParse(texts);
    let accepted = 0;
    let bothAccept = 0;
    texts.forEach((text, i) => {
      const mine = ours(text);
      if (theirs[i]!.ok) bothAccept += mine.ok ? 1 : 0;
      if (!mine.ok) return;
      accepted++;
      expect(theirs[i], JSON.stringify(text)).toEqual(mine);
    });
    console.log(`random files: we accept ${accepted}/${texts.length}, phpdotenv ${theirs.filter((t) => t.ok).length}; both ${bothAccept}`);
    expect(accepted).toBeGreaterThan(400); // the fuzz must exercise the accepting path
  });

  it('rejects what phpdotenv rejects', () => {
    const bad = ['MY KEY=1', '=x', "K='x", "K='x\ny'", 'K=a b', 'K="a"x', "K='a' b", 'K="\\q"', 'K="\\\'"', 'A-B=1', 'export A=1'];
    const theirs = phpParse(bad);
    bad.forEach((text, i) => {
      expect(theirs[i]!.ok, JSON.stringify(text)).toBe(false);
      expect(parseDotenv(text).ok, JSON.stringify(text)).toBe(false);
    });
  });

  // Where phpdotenv loads something other than what the file seems to say, we refuse the file.
  // These pin phpdotenv's behaviour, so a changed library shows up here.
  it.each([
    ['lower=1', [['lower', '1']]], // Berth's key rule is stricter than phpdotenv's [a-zA-Z0-9_.]+
    ['A', [['A', null]]], // no "=": phpdotenv unsets A
    ['A=1\nA=2', [['A', '2']]], // a duplicate: the last wins here, the first with createImmutable
    ['# c="x\nA=1\nB="y"', []], // a comment with =" swallows the lines up to the next quote
    ['A="x\nB=1\n', []], // an unclosed " drops the rest of the file without an error
    ['K="a\\"', []], // the same with an escaped quote on the last line
    [
      'A=1\nK="${A}"',
      [
        ['A', '1'],
        ['K', '1'],
      ],
    ], // interpolation
    ['"K"=1', [['K', '1']]], // quoted names
  ])('%j: phpdotenv loads %j, we refuse it', (text, expected) => {
    expect(phpParse([text])[0]).toEqual({ ok: true, entries: expected });
    expect(parseDotenv(text).ok).toBe(false);
  });

  it.each([
    ['K=a#b', [['K', 'a']]], // an unquoted # ends the value even without a space before it
    ['export AB=1', [['AB', '1']]],
    ['K=\f x', [['K', '\f x']]], // \f survives trim() and starts an unquoted value
    ['K="a\r\nb"', [['K', 'a\nb']]], // a multi-line value's line ends become \n
    ['K=x="y"', [['K', 'x="y"']]],
  ])('%j: both read %j', (text, expected) => {
    expect(phpParse([text])[0]).toEqual({ ok: true, entries: expected });
    expect(ours(text)).toEqual({ ok: true, entries: expected });
  });
});
