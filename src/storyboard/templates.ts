import Handlebars from 'handlebars';
import type { Issue } from '../source/issue.js';
import { closestName, truncate } from '../source/describe.js';
import { meterRuntime, TemplateBudgetError, TemplateMeter } from './template-budget.js';
import type { Position } from '../source/yaml-source.js';

/**
 * Prompts and paths are Handlebars templates: strict (an unknown variable is an error, found
 * before anything renders), no HTML escaping (prompts are plain text), only the built-in
 * helpers the README lists, and partials from the storyboard. Checking and rendering run on a
 * `TemplateMeter` (template-budget.ts): their work is bounded whatever the template.
 */

/** A template and where it lives, so issues can point into it. */
export interface TemplateSite {
  readonly file: string;
  /** Document path of the template's node (empty for a partial file). */
  readonly path: string;
  readonly text: string;
  /** Position in the file of the `occurrence`-th (0-based) copy of `snippet` within the template. */
  locate(snippet: string, occurrence: number): Position;
}

export interface PartialDef {
  readonly name: string;
  readonly site: TemplateSite;
}

/** A `{{path}}` that prints a value; a map printed whole would read "[object Object]". */
export interface PrintedPath {
  /** From the root context, e.g. `['product', 'name']`. */
  readonly parts: readonly string[];
  readonly original: string;
  /** What holds it, e.g. `the prompt of shot "hero"`. */
  readonly what: string;
  /** Inside a block (`{{#if}}`, ...): printed only when the block runs, so a missing value may be intended. */
  readonly guarded: boolean;
  /** An issue located at this path in its file. */
  issue(fields: IssueFields): Issue;
}

type IssueFields = Omit<Issue, 'file' | 'line' | 'column' | 'length' | 'path' | 'severity'>;

export type TemplateContext = Record<string, unknown>;
/** Renders for one job; throws `TemplateBudgetError` past `maxChars` of output or the step limits. */
export type RenderTemplate = (context: TemplateContext, maxChars: number) => string;

/** The helpers the README documents; Handlebars' `log` (which writes to the console) is not one of them. */
const BUILTIN_HELPERS = new Set(['if', 'unless', 'each', 'with', 'lookup']);
/** Block helpers that change the context: paths inside them cannot be checked statically. */
const CONTEXT_HELPERS = new Set(['each', 'with']);
const COMPILE_OPTIONS = { strict: true, noEscape: true, knownHelpersOnly: true } as const;

export class TemplateSet {
  private readonly hbs = Handlebars.create();
  /** Counts the work of every check and render of this storyboard's templates. */
  readonly meter: TemplateMeter;
  private readonly partials: ReadonlyMap<string, PartialDef>;
  /** Partials declared but unreadable (`'all'`: any name may be one): using one is not an error, and what it holds is not checked. */
  private readonly unknownPartials: ReadonlySet<string> | 'all';
  private readonly cache = new Map<string, RenderTemplate>();
  /** Templates parsed by `analyze`, so `compile` does not parse them again. */
  private readonly parsed = new Map<string, hbs.AST.Program>();

  constructor(partials: ReadonlyMap<string, PartialDef>, unknownPartials: ReadonlySet<string> | 'all' = new Set(), meter = new TemplateMeter()) {
    this.partials = partials;
    this.unknownPartials = unknownPartials;
    this.meter = meter;
    meterRuntime(this.hbs, meter);
    this.hbs.unregisterHelper('log');
    this.hbs.unregisterDecorator('inline');
    for (const partial of partials.values()) this.hbs.registerPartial(partial.name, partial.site.text);
  }

  /**
   * Statically checks a template: syntax, partials that exist, no partial recursion, only
   * built-in helpers, and every root variable in `names` (unless they are unknown: `null`). Returns issues located in the file,
   * and the root paths the template prints (through its partials too), for checks per job.
   * Each partial is checked once per call, however often it is included.
   */
  analyze(site: TemplateSite, names: ReadonlySet<string> | null, what: string): { issues: Issue[]; printed: PrintedPath[] } {
    const issues: Issue[] = [];
    const printed: PrintedPath[] = [];
    // Checking charges the storyboard's step limit; past it, `TemplateBudgetError` ends the expansion.
    this.analyzeSite(site, names, what, [], new Set(), issues, printed);
    return { issues, printed };
  }

  /** A compiled template; call `analyze` first so that compiling cannot fail on syntax. */
  compile(text: string): RenderTemplate {
    let render = this.cache.get(text);
    if (!render) {
      const template = this.hbs.compile(this.parsed.get(text) ?? text, COMPILE_OPTIONS);
      render = (context, maxChars) =>
        this.meter.render(maxChars, () => template(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false }));
      this.cache.set(text, render);
    }
    return render;
  }

  private analyzeSite(
    site: TemplateSite,
    names: ReadonlySet<string> | null,
    what: string,
    stack: string[],
    done: Set<string>,
    issues: Issue[],
    printed: PrintedPath[],
    guarded = false,
  ): void {
    let program: hbs.AST.Program;
    try {
      program = this.parsed.get(site.text) ?? Handlebars.parse(site.text);
      this.parsed.set(site.text, program);
    } catch (error) {
      issues.push(syntaxIssue(site, error as Error & { lineNumber?: number; column?: number }, what));
      return;
    }
    let blocks = 0;
    const visit = (node: hbs.AST.Node | undefined, checked: boolean): void => {
      if (!node) return;
      this.meter.charge(1);
      switch (node.type) {
        case 'Program':
          for (const statement of (node as hbs.AST.Program).body) visit(statement, checked);
          return;
        case 'MustacheStatement':
        case 'SubExpression': {
          const call = node as hbs.AST.MustacheStatement;
          const isCall = call.params.length > 0 || call.hash?.pairs.length > 0 || node.type === 'SubExpression';
          if (isCall) this.checkHelper(site, call.path as hbs.AST.PathExpression, issues, what);
          else {
            visitPath(call.path, checked);
            if (node.type === 'MustacheStatement') notePrinted(call.path, checked);
          }
          for (const param of call.params) visit(param, checked);
          for (const pair of call.hash?.pairs ?? []) visit(pair.value, checked);
          return;
        }
        case 'BlockStatement': {
          const block = node as hbs.AST.BlockStatement;
          this.checkHelper(site, block.path, issues, what);
          for (const param of block.params) visit(param, checked);
          const inner = checked && !CONTEXT_HELPERS.has(block.path.original);
          blocks++;
          visit(block.program, inner);
          visit(block.inverse, checked);
          blocks--;
          return;
        }
        case 'PathExpression':
          visitPath(node as hbs.AST.PathExpression, checked);
          return;
        case 'PartialStatement':
        case 'PartialBlockStatement':
          this.checkPartial(site, node as hbs.AST.PartialStatement, names, what, stack, done, issues, printed, guarded || blocks > 0);
          return;
        case 'Decorator':
        case 'DecoratorBlock':
          issues.push(
            issueIn(site, node.loc, {
              code: 'unknown-helper',
              message: `decorators ({{* …}}, {{#* …}}) are not supported in ${what}`,
              hint: 'declare partials under `partials:` instead of {{#*inline}}',
            }),
          );
          return;
        default:
          return;
      }
    };
    const visitPath = (node: hbs.AST.Node, checked: boolean): void => {
      if (node.type !== 'PathExpression') return;
      const path = node as hbs.AST.PathExpression;
      const head = path.data ? (path.parts[0] === 'root' ? path.parts[1] : undefined) : path.depth === 0 && checked ? path.parts[0] : undefined;
      if (head === undefined || names === null || names.has(head)) return;
      const guess = closestName(head, [...names]);
      issues.push(
        issueIn(site, path.loc, {
          code: 'unknown-variable',
          message: `unknown variable "${head}" in ${what}`,
          expected: `one of ${[...names].sort().join(', ')}`,
          found: path.original,
          hint: guess ? `did you mean "${guess}"?` : 'define it under `vars:` or as a variant axis of this shot',
        }),
      );
    };
    const notePrinted = (node: hbs.AST.Node, checked: boolean): void => {
      if (node.type !== 'PathExpression' || !checked) return;
      const path = node as hbs.AST.PathExpression;
      if (path.data || path.depth !== 0 || path.parts.length === 0) return;
      printed.push({ parts: path.parts, original: path.original, what, guarded: guarded || blocks > 0, issue: (fields) => issueIn(site, path.loc, fields) });
    };
    visit(program, true);
  }

  private checkHelper(site: TemplateSite, path: hbs.AST.PathExpression, issues: Issue[], what: string): void {
    if (path.type !== 'PathExpression' || BUILTIN_HELPERS.has(path.original)) return;
    issues.push(
      issueIn(site, path.loc, {
        code: 'unknown-helper',
        message: `unknown helper "${path.original}" in ${what}`,
        expected: `one of ${[...BUILTIN_HELPERS].join(', ')}`,
        found: path.original,
        hint: 'only the built-in Handlebars helpers are available; write {{name}} to insert a variable',
      }),
    );
  }

  private checkPartial(
    site: TemplateSite,
    node: hbs.AST.PartialStatement,
    names: ReadonlySet<string> | null,
    what: string,
    stack: string[],
    done: Set<string>,
    issues: Issue[],
    printed: PrintedPath[],
    guarded: boolean,
  ): void {
    const name = node.name.type === 'PathExpression' ? (node.name as hbs.AST.PathExpression).original : null;
    if (name === null) {
      issues.push(
        issueIn(site, node.loc, {
          code: 'dynamic-partial',
          message: `dynamic partial names are not supported in ${what}`,
          hint: 'name the partial: {{> look}}',
        }),
      );
      return;
    }
    const partial = this.partials.get(name);
    if (!partial && (this.unknownPartials === 'all' || this.unknownPartials.has(name))) return;
    if (!partial) {
      const guess = closestName(name, [...this.partials.keys()]);
      issues.push(
        issueIn(site, node.name.loc, {
          code: 'unknown-partial',
          message: `unknown partial "${name}" in ${what}`,
          expected: this.partials.size > 0 ? `one of ${[...this.partials.keys()].join(', ')}` : 'a partial declared under `partials:`',
          found: name,
          hint: guess ? `did you mean "${guess}"?` : 'declare it under `partials:` (inline text or {file: path})',
        }),
      );
      return;
    }
    if (stack.includes(name)) {
      issues.push(
        issueIn(site, node.loc, {
          code: 'partial-cycle',
          message: `partial "${name}" includes itself: ${[...stack, name].join(' -> ')}`,
          hint: 'break the cycle; a partial may not include itself, directly or through others',
        }),
      );
      return;
    }
    // A partial given an explicit context renders against that context; it cannot be checked statically.
    // Checked once per context: its issues and printed paths depend only on whether it sits inside a block.
    const key = guarded ? `${name}\u0000guarded` : name;
    if (node.params.length > 0 || done.has(key)) return;
    done.add(key);
    this.analyzeSite(partial.site, names, `partial "${name}"`, [...stack, name], done, issues, printed, guarded);
  }
}

/** A template whose checking or rendering passed a limit of `TEMPLATE_LIMITS`, or whose output passed `maxChars`. */
export function budgetIssue(site: TemplateSite, what: string, error: TemplateBudgetError, maxCharsCode = 'prompt-too-long'): Issue {
  const depth = error.partials.length;
  const inside = depth > 0 ? ` (in partial "${error.partials.at(-1)}"${depth > 1 ? `, ${depth} partials deep` : ''})` : '';
  const limit = error.limit.toLocaleString('en-US');
  const fields =
    error.kind === 'output'
      ? error.found !== null
        ? { code: maxCharsCode, message: `${what} has ${error.found} characters once rendered`, expected: `at most ${limit}`, found: String(error.found) }
        : { code: maxCharsCode, message: `${what} renders to more than ${limit} characters${inside}`, expected: `at most ${limit} characters once rendered` }
      : error.kind === 'steps'
        ? {
            code: 'template-too-costly',
            message: `${what} takes more than ${limit} steps to render${inside}`,
            expected: `at most ${limit} steps (variable lookups, helper calls, blocks, partials) per render`,
          }
        : {
            code: 'template-too-costly',
            message: `the storyboard's templates take more than ${limit} steps to check and render; stopped at ${what}${inside}`,
            expected: `at most ${limit} steps for all templates of a storyboard`,
          };
  const hint =
    error.kind === 'output'
      ? 'shorten the text, the variables it prints or the lists it loops over'
      : 'a partial included twice at every level doubles the work per level, and {{#each}} blocks nested over the same list multiply it: flatten the template';
  return issueIn(site, undefined, { ...fields, hint });
}

function issueIn(site: TemplateSite, loc: hbs.AST.SourceLocation | undefined, fields: IssueFields): Issue {
  const position = loc ? locateLoc(site, loc) : site.locate('', 0);
  return { severity: 'error', ...fields, file: site.file, ...position, path: site.path };
}

/**
 * Where a strict-mode render error (`"x" not defined`) points in `site`; `null` when it points
 * elsewhere (into a partial): Handlebars gives a line and column, not which template they are in.
 */
export function locateRenderError(site: TemplateSite, error: unknown): Position | null {
  const { message, lineNumber, column, endLineNumber, endColumn } = error as {
    message?: unknown;
    lineNumber?: unknown;
    column?: unknown;
    endLineNumber?: unknown;
    endColumn?: unknown;
  };
  const name = /^"([^"]+)" not defined/.exec(String(message))?.[1];
  if (name === undefined || typeof lineNumber !== 'number' || typeof column !== 'number') return null;
  const end =
    typeof endLineNumber === 'number' && typeof endColumn === 'number'
      ? { line: endLineNumber, column: endColumn }
      : { line: lineNumber, column: column + name.length };
  const loc = { source: '', start: { line: lineNumber, column }, end };
  const text = site.text.slice(offsetOf(site.text, lineNumber, column), offsetOf(site.text, end.line, end.column));
  return text.includes(name) ? locateLoc(site, loc) : null;
}

/** Turns a Handlebars location (1-based line, 0-based column in the template) into a file position. */
function locateLoc(site: TemplateSite, loc: hbs.AST.SourceLocation): Position {
  const start = offsetOf(site.text, loc.start.line, loc.start.column);
  const end = offsetOf(site.text, loc.end.line, loc.end.column);
  const snippet = site.text.slice(start, Math.max(end, start + 1));
  let occurrence = 0;
  for (let at = site.text.indexOf(snippet); at !== -1 && at < start; at = site.text.indexOf(snippet, at + 1)) occurrence++;
  return site.locate(snippet, occurrence);
}

function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) break;
    offset = next + 1;
  }
  return Math.min(text.length, offset + column);
}

function syntaxIssue(site: TemplateSite, error: Error & { lineNumber?: number; column?: number }, what: string): Issue {
  const failure = parseFailure(error);
  const lineNumber = failure?.lineNumber ?? error.lineNumber ?? Number(/line (\d+)/.exec(error.message)?.[1] ?? 1);
  const column = failure?.column ?? error.column ?? 0;
  const message =
    failure?.message ??
    (error.message
      .split('\n')[0]!
      .replace(/^Parse error on line \d+:?/, '')
      .replace(/ - \d+:\d+$/, '')
      .trim() ||
      'invalid template');
  // At the end of the template (an unclosed block), point at its last character.
  const at = Math.min(offsetOf(site.text, lineNumber, column), Math.max(0, site.text.trimEnd().length - 1));
  const snippet = site.text.slice(at, at + 2) || site.text.slice(0, 1);
  return {
    code: 'template-syntax',
    severity: 'error',
    file: site.file,
    ...site.locate(snippet, countBefore(site.text, snippet, at)),
    path: site.path,
    message: `invalid Handlebars in ${what}: ${message}`,
    hint: 'variables are written {{name}}, partials {{> name}}; a literal "{{" is written \\{{',
  };
}

/**
 * Handlebars' parse errors carry no position, only jison's text ("Expecting 'CLOSE', …, got
 * 'INVALID'"); its lexer, left where the parse stopped, knows the offending token. Read right
 * after the failed (synchronous) parse.
 */
function parseFailure(error: Error): { lineNumber: number; column: number; message: string } | null {
  const lexer = (Handlebars as unknown as { Parser?: { lexer?: { yylloc?: { first_line: number; first_column: number }; match?: string } } }).Parser?.lexer;
  const expecting = /\nExpecting (.*), got '[^']*'$/.exec(error.message)?.[1];
  if (!lexer?.yylloc || expecting === undefined) return null;
  const found = lexer.match ? JSON.stringify(lexer.match) : 'end of the template';
  const wanted = expecting.includes("'CLOSE'")
    ? ', expected "}}"'
    : expecting.includes("'OPEN_ENDBLOCK'")
      ? ', expected a closing {{/…}}'
      : expecting.includes("'ID'")
        ? ', expected a name'
        : '';
  return { lineNumber: lexer.yylloc.first_line, column: lexer.yylloc.first_column, message: `unexpected ${found}${wanted}` };
}

function countBefore(text: string, snippet: string, before: number): number {
  let count = 0;
  if (snippet === '') return 0;
  for (let at = text.indexOf(snippet); at !== -1 && at < before; at = text.indexOf(snippet, at + 1)) count++;
  return count;
}

/** The strict-mode message without Handlebars' internals (`in [object Object] - 1:4`). */
export function cleanRenderError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Strict mode looks a name up with `in`, which throws on text and numbers (`{{brand.name}}` with brand: Acme).
  const scalar = /^Cannot use 'in' operator to search for '([^']*)' in (.*)$/s.exec(message);
  if (scalar) return `"${scalar[1]}" not defined: ${JSON.stringify(truncate(scalar[2]!, 40))} is a plain value, not a map`;
  return message
    .replace(/ in \[object Object\]/, '')
    .replace(/ - \d+:\d+$/, '')
    .split('\n')[0]!;
}
