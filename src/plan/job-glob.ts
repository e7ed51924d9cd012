/**
 * Job-id globs (`--only`, `--replace`), matched without regular expressions: a regex compiled
 * from `*a*a*a*a*a*a*a*a*c` backtracks exponentially over a 60-character id. Here a glob is a
 * list of tokens matched greedily, going back only to the last `*`: at most (id length ×
 * glob length) steps, whatever the glob.
 *
 * The syntax: `*` any run of characters, `?` any one character, `{a,b}` alternatives (nested
 * too), a leading `!` negates, `\` makes the next character literal; everything else is
 * literal, brackets included (job ids contain them: `hero[product=mug,*`).
 */

import { UsageError } from '../errors.js';

/** Longest glob accepted, in characters. */
export const MAX_GLOB_CHARS = 1_000;
/** Most alternatives a glob's braces may expand to. */
export const MAX_GLOB_ALTERNATIVES = 1_000;

const STAR = 0;
const ONE = 1;
/** A literal character, or `*` / `?`. */
type Token = string | typeof STAR | typeof ONE;

export interface JobGlob {
  readonly negated: boolean;
  /** One token list per brace alternative. */
  readonly alternatives: readonly (readonly Token[])[];
}

/** Why `glob` cannot be used, or null. */
export function checkJobGlob(glob: string): string | null {
  if (glob.length > MAX_GLOB_CHARS) return `a glob of ${glob.length} characters is longer than the ${MAX_GLOB_CHARS} allowed`;
  const body = glob.startsWith('!') ? glob.slice(1) : glob;
  if (expandBraces(body, MAX_GLOB_ALTERNATIVES) === null) return `its braces expand to more than ${MAX_GLOB_ALTERNATIVES} alternatives`;
  return null;
}

/** Compiles a glob; a glob `checkJobGlob` refuses is a `UsageError` (exit 2). */
export function compileJobGlob(glob: string): JobGlob {
  const problem = checkJobGlob(glob);
  if (problem !== null) {
    const shown = glob.length > 60 ? `${glob.slice(0, 60)}…` : glob;
    throw new UsageError(`the job-id glob ${JSON.stringify(shown)} cannot be used: ${problem}`, {
      hint: 'select jobs with shorter globs; --only and --replace can be given several times',
    });
  }
  const negated = glob.startsWith('!');
  const alternatives = expandBraces(negated ? glob.slice(1) : glob, MAX_GLOB_ALTERNATIVES)!.map(tokenize);
  return { negated, alternatives };
}

export function matchesJobGlob(glob: JobGlob, id: string): boolean {
  return glob.alternatives.some((tokens) => matchTokens(tokens, id)) !== glob.negated;
}

/**
 * Greedy wildcard matching: on a mismatch, the last `*` takes one more character and matching
 * resumes after it. Earlier stars never need to be revisited, so this is O(id × glob).
 */
function matchTokens(tokens: readonly Token[], text: string): boolean {
  let t = 0;
  let p = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const token = tokens[p];
    if (p < tokens.length && token !== STAR && (token === ONE || token === text[t])) {
      t++;
      p++;
    } else if (token === STAR) {
      star = p++;
      resume = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (tokens[p] === STAR) p++;
  return p === tokens.length;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\' && i + 1 < text.length) tokens.push(text[++i]!);
    else if (char === '*') {
      if (tokens.at(-1) !== STAR) tokens.push(STAR);
    } else if (char === '?') tokens.push(ONE);
    else tokens.push(char);
  }
  return tokens;
}

/**
 * The brace alternatives of `text` (`a{b,c}` → `ab`, `ac`), still escaped for `tokenize`; null
 * past `max`. Braces without a comma at their level, or unbalanced, are literal.
 */
function expandBraces(text: string, max: number): string[] | null {
  const group = firstGroup(text);
  if (group === null) return [text];
  const head = text.slice(0, group.open);
  const tails = expandBraces(text.slice(group.close + 1), max);
  if (tails === null) return null;
  const out: string[] = [];
  for (const option of group.options) {
    const expanded = expandBraces(option, max);
    if (expanded === null) return null;
    for (const middle of expanded) {
      for (const tail of tails) {
        out.push(head + middle + tail);
        if (out.length > max) return null;
      }
    }
  }
  return out;
}

/** The first `{…}` holding a comma at its own level, split at those commas; escapes respected. */
function firstGroup(text: string): { open: number; close: number; options: string[] } | null {
  for (let open = 0; open < text.length; open++) {
    if (text[open] === '\\') {
      open++;
      continue;
    }
    if (text[open] !== '{') continue;
    let depth = 0;
    let start = open + 1;
    const options: string[] = [];
    for (let i = open + 1; i < text.length; i++) {
      const char = text[i];
      if (char === '\\') i++;
      else if (char === '{') depth++;
      else if (char === '}' && depth > 0) depth--;
      else if (char === ',' && depth === 0) {
        options.push(text.slice(start, i));
        start = i + 1;
      } else if (char === '}') {
        if (options.length === 0) break;
        options.push(text.slice(start, i));
        return { open, close: i, options };
      }
    }
  }
  return null;
}

/**
 * Matches job ids against globs (`*`, `?`, `{a,b}`, a leading `!`), in time
 * linear in each. Brackets are literal (job ids contain them), so `--only 'hero[product=mug,*'`
 * works as written.
 */
export function globMatcher(globs: readonly string[]): ((id: string) => boolean) | null {
  if (globs.length === 0) return null;
  const matchers = globs.map(compileJobGlob);
  return (id) => globs.includes(id) || matchers.some((glob) => matchesJobGlob(glob, id));
}
