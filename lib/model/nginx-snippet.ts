const SPACE = new Set([' ', '\t', '\r', '\n']);
export const UNBALANCED = 'Braces { } must balance inside the snippet';

/**
 * Whether an nginx snippet keeps to the server block it is placed in, judged the way nginx's own
 * lexer (ngx_conf_read_token in ngx_conf_file.c) reads braces: `#` starts a comment and a quote
 * starts a string only at the start of a word; `{` right after `$` belongs to `${name}`; a `}`
 * inside a word is part of that word; `{` also ends a word. A plain count of `{` and `}` is wrong
 * both ways: it refuses `return 200 "{";` and accepts `#{` + newline + `}`, which closes the app's
 * server block (proved with nginx -t). Returns the problem, or null.
 */
export function snippetStructureProblem(text: string): string | null {
  let depth = 0;
  let wordStart = true; // nginx's last_space
  let needSpace = false; // just after a closing quote
  let comment = false;
  let escaped = false;
  let variable = false;
  let quote: string | null = null;
  for (const ch of text) {
    if (ch === '\n') comment = false;
    if (comment) continue;
    if (escaped) {
      escaped = false;
      continue;
    }
    if (needSpace) {
      needSpace = false;
      if (SPACE.has(ch) || ch === ';') {
        wordStart = true;
        continue;
      }
      if (ch === '{') {
        depth++;
        wordStart = true;
        continue;
      }
      // Anything else right after a quote is an nginx syntax error that nginx -t reports; read on as a word.
    }
    if (wordStart) {
      if (SPACE.has(ch) || ch === ';') continue;
      if (ch === '{') depth++;
      else if (ch === '}') {
        if (--depth < 0) return UNBALANCED;
      } else if (ch === '#') comment = true;
      else {
        wordStart = false;
        if (ch === '\\') escaped = true;
        if (ch === '"' || ch === "'") quote = ch;
        if (ch === '$') variable = true;
      }
      continue;
    }
    if (ch === '{' && variable) continue;
    variable = false;
    if (ch === '\\') escaped = true;
    else if (ch === '$') variable = true;
    else if (quote) {
      if (ch === quote) {
        quote = null;
        needSpace = true;
      }
    } else if (SPACE.has(ch) || ch === ';' || ch === '{') {
      if (ch === '{') depth++;
      wordStart = true;
    }
  }
  // An open quote or a final backslash would swallow the lines Berth renders after the snippet.
  if (quote) return 'A quoted string in the snippet is not closed';
  if (escaped) return 'The snippet may not end with a backslash';
  return depth === 0 ? null : UNBALANCED;
}
