import { Composer, isAlias, isMap, isScalar, isSeq, LineCounter, Parser, YAMLParseError, type CST, type Document, type Node } from 'yaml';
import type { Issue } from './issue.js';
import { formatDocPath } from './issue.js';

/** Bounds that keep a hostile or mistaken file from exhausting memory or the stack. */
export const YAML_LIMITS = {
  /** Largest storyboard or import file read, in bytes. */
  maxFileBytes: 4 * 1024 * 1024,
  /** Alias expansions allowed when a document is turned into data (billion-laughs guard). */
  maxAliasCount: 100,
  /** Deepest nesting of maps and sequences. */
  maxDepth: 64,
} as const;

/** A parsed YAML file that still knows where every node came from. */
export interface YamlSource {
  /** The file as shown to the user. */
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The document as plain data. */
  readonly value: unknown;
}

export interface Position {
  readonly line: number;
  readonly column: number;
  readonly length: number;
}

/** Parses YAML text; problems come back as issues, never as exceptions. */
export function parseYamlSource(file: string, text: string): { source: YamlSource | null; issues: Issue[] } {
  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  // Checked on the syntax tree, before composing: yaml composes nested collections recursively,
  // so 10,000 `[` would overflow the stack (caught by yaml, at a depth that depends on the stack left).
  const tooDeep = deepestOffset(tokens, YAML_LIMITS.maxDepth);
  if (tooDeep !== null) return { source: null, issues: [tooDeepIssue(file, lines, text, tooDeep)] };

  const doc = composeDocument(tokens, text);
  const issues: Issue[] = [];
  for (const error of doc.errors) {
    const pos = positionOfOffset(lines, text, error.pos[0], error.pos[1]);
    issues.push({
      code: 'yaml-syntax',
      severity: 'error',
      file,
      ...pos,
      path: '',
      // yaml's own wording for this one names its API (parseAllDocuments), which means nothing to a user.
      message: error.code === 'MULTIPLE_DOCS' ? 'the file holds more than one YAML document' : firstLine(error.message),
      hint: yamlHint(error.code),
    });
  }
  if (issues.length > 0) return { source: null, issues };

  try {
    const value = doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
    return { source: { file, text, doc, lines, value }, issues };
  } catch (error) {
    return {
      source: null,
      issues: [
        {
          code: 'yaml-aliases',
          severity: 'error',
          file,
          line: 1,
          column: 1,
          length: 1,
          path: '',
          message: `the document expands too many aliases (${firstLine(String((error as Error).message))})`,
          hint: `at most ${YAML_LIMITS.maxAliasCount} alias expansions are allowed; write the values out or use partials and vars`,
        },
      ],
    };
  }
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each key may appear once in a map; remove or rename the repeated one';
    case 'TAB_AS_INDENT':
      return 'YAML indents with spaces, not tabs';
    case 'BAD_INDENT':
      return 'check that this line is indented like its siblings';
    case 'MISSING_CHAR':
      return 'a quote or bracket opened before this point is never closed; close it';
    case 'MULTIPLE_DOCS':
      return 'a storyboard is one YAML document; remove the `---` separator';
    default:
      return 'fix the YAML syntax here; quoting the value often helps';
  }
}

/** What `parseDocument` does, from tokens already parsed: the first document, a second one as an error. */
function composeDocument(tokens: readonly CST.Token[], text: string): Document.Parsed {
  const composer = new Composer({ prettyErrors: false, uniqueKeys: true, keepSourceTokens: false });
  let doc: Document.Parsed | null = null;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'the file holds more than one YAML document'));
      break;
    }
  }
  return doc!;
}

/** The offset of the first collection nested deeper than `maxDepth`, walking the syntax tree without recursion. */
function deepestOffset(tokens: readonly CST.Token[], maxDepth: number): number | null {
  const stack: { token: CST.Token | undefined; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (!token) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
      continue;
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (depth > maxDepth) return token.offset;
    for (const item of token.items) {
      const { key, value } = item as { key?: CST.Token | null; value?: CST.Token };
      if (key) stack.push({ token: key, depth: depth + 1 });
      stack.push({ token: value, depth: depth + 1 });
    }
  }
  return null;
}

function tooDeepIssue(file: string, lines: LineCounter, text: string, offset: number): Issue {
  return {
    code: 'yaml-too-deep',
    severity: 'error',
    file,
    ...positionOfOffset(lines, text, offset, offset + 1),
    path: '',
    message: `the document nests deeper than ${YAML_LIMITS.maxDepth} levels`,
    hint: 'a storyboard never needs this much nesting; flatten the structure',
  };
}

/**
 * The position of the node at `path`. With `key: true`, the position of the map key (for
 * "unknown property" issues). A path that does not exist points at its deepest existing parent.
 */
export function locate(source: YamlSource, path: readonly (string | number)[], options: { key?: boolean } = {}): Position {
  let node: unknown = source.doc.contents;
  let keyNode: unknown = null;
  for (const part of path) {
    const next = childOf(source, node, part);
    if (next === null) break;
    node = next.value;
    keyNode = next.key;
  }
  const target = options.key && keyNode ? keyNode : node;
  const range = (target as Node | null)?.range;
  if (!range) return { line: 1, column: 1, length: 1 };
  return positionOfOffset(source.lines, source.text, range[0], range[1]);
}

/** The raw source text of the node at `path`, with its offset; for finding text inside a scalar. */
export function rawNodeText(source: YamlSource, path: readonly (string | number)[]): { text: string; offset: number } | null {
  let node: unknown = source.doc.contents;
  for (const part of path) {
    const next = childOf(source, node, part);
    if (next === null) return null;
    node = next.value;
  }
  const range = (node as Node | null)?.range;
  if (!range) return null;
  return { text: source.text.slice(range[0], range[1]), offset: range[0] };
}

function childOf(source: YamlSource, node: unknown, part: string | number): { key: unknown; value: unknown } | null {
  const resolved = isAlias(node) ? node.resolve(source.doc) : node;
  if (isMap(resolved)) {
    for (const pair of resolved.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(key) === String(part)) return { key: pair.key, value: pair.value };
    }
    return null;
  }
  if (isSeq(resolved) && typeof part === 'number') {
    const item = resolved.items[part];
    return item === undefined ? null : { key: null, value: item };
  }
  return null;
}

export function positionOfOffset(lines: LineCounter, text: string, start: number, end: number): Position {
  const { line, col } = lines.linePos(start);
  const lineEnd = text.indexOf('\n', start);
  const stop = Math.min(end, lineEnd === -1 ? text.length : lineEnd);
  return { line, column: col, length: Math.max(1, stop - start) };
}

/** Builds an issue located at a document path of a source. */
export function issueAt(
  source: YamlSource,
  path: readonly (string | number)[],
  fields: Omit<Issue, 'file' | 'line' | 'column' | 'length' | 'path' | 'severity'> & { severity?: Issue['severity'] },
  options: { key?: boolean } = {},
): Issue {
  return {
    severity: 'error',
    ...fields,
    file: source.file,
    ...locate(source, path, options),
    path: formatDocPath(path),
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
