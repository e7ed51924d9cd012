import { maskCredentials } from '../untrusted/looks-like-credential.js';

/**
 * A problem found in the user's input, carried as data. Validation collects every issue and
 * the CLI prints them; nothing in the core throws for a user's mistake.
 */
export interface Issue {
  /** Stable code, e.g. `unknown-variable`; listed in the README. */
  readonly code: string;
  readonly severity: 'error' | 'warning';
  /** The file, as the user named it (relative to the working directory where possible). */
  readonly file: string;
  /** 1-based line and column of the offending text; 0 when the file has no position (e.g. unreadable). */
  readonly line: number;
  readonly column: number;
  /** Length of the offending text on its line, for the caret underline (at least 1). */
  readonly length: number;
  /** Path in the document, e.g. `shots[1].size`; empty for the whole file. */
  readonly path: string;
  /** One sentence: what is wrong. */
  readonly message: string;
  readonly expected?: string | undefined;
  readonly found?: string | undefined;
  /** One line on what to do about it. */
  readonly hint?: string | undefined;
}

/** Where a value came from: enough to build an Issue's location. */
export interface Origin {
  readonly file: string;
  readonly path: readonly (string | number)[];
}

/** `['shots', 1, 'size']` → `shots[1].size`. */
export function formatDocPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((issue) => issue.severity === 'error');
}

/** Drops repeats of the same problem at the same place (e.g. one bad template seen by 1,000 jobs). */
export function dedupeIssues(issues: readonly Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.file}\0${issue.line}\0${issue.column}\0${issue.code}\0${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Issues in reading order: by file, then position. */
export function sortIssues(issues: readonly Issue[]): Issue[] {
  return [...issues].sort((a, b) => compareText(a.file, b.file) || a.line - b.line || a.column - b.column || compareText(a.code, b.code));
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * An issue fit to leave the core: a value it quotes that looks like a credential (a key written
 * as `provider: sk-…`, a URL with a password) is masked in every text field, as found and as
 * quoted by the message, so that neither the terminal nor `--json` echoes it into a CI log.
 */
export function withoutCredentials(issue: Issue): Issue {
  const mask = (text: string | undefined) => (text === undefined ? undefined : maskCredentials(text));
  return {
    ...issue,
    path: maskCredentials(issue.path),
    message: maskCredentials(issue.message),
    expected: mask(issue.expected),
    found: mask(issue.found),
    hint: mask(issue.hint),
  };
}
