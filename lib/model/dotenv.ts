// The .env format as phpdotenv v5 (Laravel) reads it; ported from vlucas/phpdotenv 5.4.1
// (Debian's php-vlucas-phpdotenv: Parser/Lines.php, EntryParser.php, Lexer.php). Pure: the
// editor's client components import it too.
//
// The rule: parseDotenv accepts a file only if phpdotenv would load exactly the same keys and
// values from it; everything else is an error naming the line. It is stricter than phpdotenv
// where phpdotenv silently drops or rewrites lines. dotenv-php.integration.test.ts proves both
// directions against the real library.

export const ENV_KEY = /^[A-Z_][A-Z0-9_]*$/;

export type EnvLine = { key: string; value: string; line: number };
export type ParseResult = { ok: true; entries: EnvLine[] } | { ok: false; line: number; message: string };

const SPACE = ' \t\n\v\f\r'; // ctype_space() and PCRE's \s: what phpdotenv's lexer calls whitespace
const TRIMMED = ' \t\n\r\0\v'; // PHP's trim() (no \f, unlike String.prototype.trim)
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', $: '$', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
// phpdotenv replaces ${NAME} (at an unescaped $ outside single quotes) with another variable.
const INTERPOLATION = /^\$\{[a-zA-Z0-9_.]+\}/;

function phpTrim(s: string, left = true, right = true): string {
  let a = 0;
  let b = s.length;
  while (left && a < b && TRIMMED.includes(s[a]!)) a++;
  while (right && b > a && TRIMMED.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** Env keys are short names; a longer "key" is a pasted value, and the message says so without echoing it. */
export const MAX_ENV_KEY_LENGTH = 128;
/** Values may hold certificates or JSON: generous, but finite. */
export const MAX_ENV_VALUE_BYTES = 64 * 1024;

export function checkEnvKey(key: string): string | null {
  if (key === '') return 'Enter a key';
  if (ENV_KEY.test(key)) return null;
  // Not echoed: what sits where a key should be is often a value (a wrapped secret, a pasted URL),
  // and this message goes to the audit log and the browser.
  return 'the key is not valid: use A-Z, 0-9 and _, not starting with a digit';
}

/**
 * The length limit for keys coming in (the editor, a pasted or pushed file). Apart from
 * checkEnvKey, like checkEnvValueSize, so that a key stored before the limit existed can still
 * be written out and kept.
 */
export function checkEnvKeyLength(key: string): string | null {
  return key.length > MAX_ENV_KEY_LENGTH ? `the key is longer than ${MAX_ENV_KEY_LENGTH} characters` : null;
}

export function checkEnvValue(value: string): string | null {
  if (value.includes('\0')) return 'Values cannot contain a NUL byte';
  // A lone UTF-16 surrogate cannot be written as UTF-8, so it would not come back unchanged.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) return 'Values must be valid Unicode text';
  return null;
}

/**
 * The size limit for values coming in (the editor, a pasted or pushed file). Apart from
 * checkEnvValue so that a value stored before the limit existed can still be written out.
 */
export function checkEnvValueSize(value: string): string | null {
  // In UTF-8 bytes: what the .env file on the servers holds.
  if (value.length > MAX_ENV_VALUE_BYTES || new TextEncoder().encode(value).length > MAX_ENV_VALUE_BYTES)
    return `Values are limited to ${MAX_ENV_VALUE_BYTES / 1024} KiB`;
  return null;
}

// Lines.php: a line containing =" with at most one unescaped quote opens a multi-line value,
// which runs to the next line with an unescaped quote (see quoteCount). Any line, even a comment.
function quoteCount(line: string): number {
  const s = line.replaceAll('\\\\', '');
  let n = 0;
  for (let i = 1; i < s.length; i++) if (s[i] === '"' && s[i - 1] !== '\\') n++;
  return n;
}
const endsGroup = (line: string, started: boolean) => line === '"' || (started ? quoteCount(line) > 1 : quoteCount(line) >= 1);
const startsGroup = (line: string) => line.includes('="') && !endsGroup(line, true);
const isCommentOrBlank = (chunk: string) => {
  const t = phpTrim(chunk);
  return t === '' || t[0] === '#';
};

type Value = { ok: true; value: string } | { ok: false; message: string };

// EntryParser::parseValue, one character at a time (its lexer tokens only group runs of
// characters that the state machine treats alike).
function parseValue(raw: string, key: string): Value {
  type State = 'initial' | 'unquoted' | 'single' | 'double' | 'escape' | 'after' | 'comment';
  let state: State = 'initial';
  let out = '';
  let closedQuote = false;
  const vars: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    switch (state) {
      case 'initial':
      case 'unquoted':
        if (state === 'initial' && (c === "'" || c === '"')) state = c === "'" ? 'single' : 'double';
        else if (state === 'initial' && SPACE.includes(c)) {
          // Only \f survives PHP's trim() to come first. The lexer's first token is then a run
          // of up to 1000 blanks, kept as the start of an unquoted value.
          const run = /^[ \t\v\f]{1,1000}/.exec(raw.slice(i))![0];
          out += run;
          i += run.length - 1;
          state = 'unquoted';
        } else if (c === '#')
          state = 'comment'; // even without a space before it: a#b is "a"
        else if (SPACE.includes(c)) state = 'after';
        else {
          if (c === '$') vars.push(out.length);
          out += c;
          state = 'unquoted';
        }
        break;
      case 'single':
        if (c === "'") [state, closedQuote] = ['after', true];
        else out += c;
        break;
      case 'double':
        if (c === '"') [state, closedQuote] = ['after', true];
        else if (c === '\\') state = 'escape';
        else {
          if (c === '$') vars.push(out.length);
          out += c;
        }
        break;
      case 'escape':
        if (!(c in ESCAPES))
          return {
            ok: false,
            message: `the value of ${key} has an unsupported escape: inside double quotes use only \\\\ \\" \\$ \\n \\r \\t \\f \\v`,
          };
        out += ESCAPES[c];
        state = 'double';
        break;
      case 'after':
        if (c === '#') state = 'comment';
        else if (!SPACE.includes(c))
          return {
            ok: false,
            message: closedQuote
              ? `the value of ${key} has text after its closing quote`
              : `the value of ${key} contains a space: put it in quotes`,
          };
        break;
      case 'comment':
        break;
    }
  }
  if (state === 'single' || state === 'double' || state === 'escape')
    return { ok: false, message: `the quote that opens the value of ${key} is never closed` };
  if (vars.some((i) => INTERPOLATION.test(out.slice(i))))
    return {
      ok: false,
      message: `the value of ${key} contains \${…}, which phpdotenv replaces with another variable and Berth does not: write \\\${ inside double quotes, or use single quotes`,
    };
  return { ok: true, value: out };
}

/** Parses a .env file strictly: either every entry exactly as phpdotenv v5 loads it, or the first problem and its 1-based line. */
export function parseDotenv(text: string): ParseResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const entries: EnvLine[] = [];
  const seen = new Map<string, number>();
  let group: string[] = [];
  let groupStart = 0;

  const entry = (chunk: string, line: number): ParseResult | null => {
    const fail = (message: string): ParseResult => ({ ok: false, line, message: `line ${line}: ${message}` });
    const eq = chunk.indexOf('=');
    if (eq < 0) return fail('missing "=": write KEY=value'); // phpdotenv would unset the variable
    let key = phpTrim(chunk.slice(0, eq));
    if (key === '') return fail('missing key before "="');
    if ([...key].length > 8 && key.startsWith('export') && SPACE.includes(key[6]!)) key = phpTrim(key.slice(6), true, false);
    const keyError = checkEnvKeyLength(key) ?? checkEnvKey(key);
    if (keyError) return fail(keyError);
    const first = seen.get(key);
    if (first !== undefined) return fail(`${key} is already set on line ${first}`); // phpdotenv keeps the first or the last, by loader
    const value = parseValue(phpTrim(chunk.slice(eq + 1)), key);
    if (!value.ok) return fail(value.message);
    const tooBig = checkEnvValueSize(value.value);
    if (tooBig) return fail(`the value of ${key} is too long: ${tooBig}`);
    seen.set(key, line);
    entries.push({ key, value: value.value, line });
    return null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.includes('\0')) return { ok: false, line: i + 1, message: `line ${i + 1}: contains a NUL byte` };
    const started = startsGroup(line);
    if (started && group.length === 0) groupStart = i + 1;
    if (started || group.length > 0) {
      group.push(line);
      if (!endsGroup(line, started)) continue;
    }
    const [chunk, at, span] = group.length > 0 ? [group.join('\n'), groupStart, group.length] : [line, i + 1, 1];
    group = [];
    if (isCommentOrBlank(chunk)) {
      // phpdotenv drops the whole group: the lines after such a comment vanish silently.
      if (span > 1)
        return {
          ok: false,
          line: at,
          message: `line ${at}: this comment contains =" without a closing quote, so phpdotenv skips the lines after it: remove the quote`,
        };
      continue;
    }
    const failure = entry(chunk, at);
    if (failure) return failure;
  }
  // phpdotenv silently drops a group still open at the end of the file.
  if (group.length > 1 || (group.length === 1 && !isCommentOrBlank(group[0]!)))
    return { ok: false, line: groupStart, message: `line ${groupStart}: the quote opened on this line is never closed` };
  return { ok: true, entries };
}

const PLAIN = /^[A-Za-z0-9_.,:/@+-]+$/;
const DOUBLE_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', $: '\\$', '\n': '\\n', '\r': '\\r' };

// Every entry is written on ONE line: phpdotenv splits lines before it looks at quotes, joins a
// multi-line value with \n (a CR inside would turn into LF) and cannot continue a single-quoted
// value onto the next line. A " inside single quotes could open a multi-line group, hence
// double quotes for those. $ is escaped in double quotes so ${X} is never interpolated.
function quote(value: string): string {
  if (value === '' || PLAIN.test(value)) return value;
  if (!/['"\r\n]/.test(value)) return `'${value}'`;
  return `"${value.replace(/[\\"$\n\r]/g, (c) => DOUBLE_ESCAPES[c]!)}"`;
}

/** Writes KEY=value lines in the given order, quoted so that phpdotenv v5 and parseDotenv both read back every value exactly. Throws on a bad key, value or duplicate. */
export function serializeDotenv(entries: Record<string, string> | Array<[string, string]>): string {
  const pairs = Array.isArray(entries) ? entries : Object.entries(entries);
  const seen = new Set<string>();
  let out = '';
  for (const [key, value] of pairs) {
    const problem = checkEnvKey(key) ?? (seen.has(key) ? `${key} appears twice` : null) ?? checkEnvValue(value);
    if (problem) throw new Error(checkEnvKey(key) || seen.has(key) ? problem : `${key}: ${problem}`);
    seen.add(key);
    out += `${key}=${quote(value)}\n`;
  }
  return out;
}
