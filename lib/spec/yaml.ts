import { Document, isAlias, isCollection, isScalar, LineCounter, parseDocument, visit } from 'yaml';

/**
 * YAML in and out for definitions, with the limits an upload needs: a size cap, no aliases (an
 * alias bomb expands a few lines into gigabytes), a nesting cap, duplicate keys refused. Every
 * problem names its line, and `lineOf` maps a path in the parsed value back to the line it came from.
 */
export const MAX_DEFINITION_BYTES = 512 * 1024;
export const MAX_DEPTH = 16;

export type DefinitionProblem = { line: number | null; path: string; message: string };

export type YamlRead =
  | { ok: true; value: unknown; lineOf: (path: readonly PropertyKey[]) => number | null }
  | { ok: false; problems: DefinitionProblem[] };

export const pathText = (path: readonly PropertyKey[]) =>
  path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '');

export function readYaml(text: string): YamlRead {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DEFINITION_BYTES)
    return { ok: false, problems: [{ line: null, path: '', message: `The file is ${bytes} bytes; the limit is ${MAX_DEFINITION_BYTES}` }] };
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  const lineAt = (offset: number | undefined) => (offset === undefined ? null : counter.linePos(offset).line);
  if (doc.errors.length)
    return { ok: false, problems: doc.errors.map((e) => ({ line: lineAt(e.pos[0]), path: '', message: e.message.split('\n')[0]! })) };
  const problems = shapeProblems(doc, lineAt);
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    value: doc.toJS({ maxAliasCount: 0 }),
    lineOf: (path) => {
      // The deepest node that exists on the path: a missing key is reported where its parent is.
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
        if (node && typeof node === 'object' && node.range) return lineAt(node.range[0]);
      }
      return null;
    },
  };
}

/** Aliases and nesting, checked on the syntax tree before anything is expanded. */
function shapeProblems(doc: Document, lineAt: (offset: number | undefined) => number | null): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  visit(doc, (_key, node, path) => {
    if (isAlias(node)) {
      problems.push({ line: lineAt(node.range?.[0]), path: '', message: 'Aliases (*name) are not allowed in a definition' });
      return visit.SKIP;
    }
    if (isCollection(node) && path.filter((p) => isCollection(p)).length >= MAX_DEPTH) {
      problems.push({ line: lineAt(node.range?.[0]), path: '', message: `Nested deeper than ${MAX_DEPTH} levels` });
      return visit.BREAK;
    }
    return undefined;
  });
  return problems;
}

/**
 * Block YAML with stable output: the same value always gives the same bytes. Lists of plain
 * values (domains, roles, a command's argv) are written inline, as a person would.
 */
export function writeYaml(value: unknown): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  visit(doc, {
    Seq(_key, node) {
      if (node.items.length > 0 && node.items.every((i) => isScalar(i))) node.flow = true;
    },
    Map(_key, node) {
      // A secret reference reads as one value: { secret: servers/web-1/ssh-key }.
      if (node.items.length === 1 && isScalar(node.items[0]!.key) && node.items[0]!.key.value === 'secret') node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, indent: 2, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN', flowCollectionPadding: false });
}
