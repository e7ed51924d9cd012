import type { Issue } from '../source/issue.js';
import type { Style } from './style.js';
import { blankControls, printable } from '../untrusted/control-characters.js';
import { maskSourceLine } from '../untrusted/looks-like-credential.js';

/** Widest slice of a source line shown in a code frame; longer lines are cut around the column. */
const FRAME_WIDTH = 100;

/**
 * `file:line:col: error: path: message [code]`, then expected/found when the message does not
 * already say them, a code frame, and one hint line. A storyboard from a pull request is
 * untrusted: what the issue quotes of it is printable.
 */
export function formatIssue(issue: Issue, texts: ReadonlyMap<string, string>, style: Style): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  const severity = issue.severity === 'error' ? style.red('error') : style.yellow('warning');
  const path = issue.path ? `${style.bold(printable(issue.path))}: ` : '';
  const lines = [`${style.bold(printable(where))}: ${severity}: ${path}${printable(issue.message)} ${style.dim(`[${issue.code}]`)}`];
  if (issue.expected && !issue.message.includes(issue.expected)) lines.push(`  expected: ${printable(issue.expected)}`);
  if (issue.found && !issue.message.includes(issue.found)) lines.push(`  found:    ${printable(issue.found)}`);
  const text = texts.get(issue.file);
  if (text !== undefined && issue.line > 0) lines.push(codeFrame(text, issue.line, issue.column, issue.length, style));
  if (issue.hint) lines.push(`  ${style.cyan('hint:')} ${printable(issue.hint)}`);
  return lines.join('\n');
}

export function formatIssues(issues: readonly Issue[], texts: ReadonlyMap<string, string>, style: Style): string {
  const errors = issues.filter((i) => i.severity === 'error').length;
  const warnings = issues.length - errors;
  const summary = [errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings > 0 ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(', ');
  return `${issues.map((issue) => formatIssue(issue, texts, style)).join('\n\n')}\n\n${summary}\n`;
}

/** Two lines of context above, the line with a caret underline, one line below. */
export function codeFrame(text: string, line: number, column: number, length: number, style: Style): string {
  const all = text.split('\n');
  const first = Math.max(1, line - 2);
  const last = Math.min(all.length, line + 1);
  const gutter = String(last).length;
  const start = Math.max(0, column - 1 - Math.floor(FRAME_WIDTH / 2));
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const raw = safeLine((all[n - 1] ?? '').replace(/\r$/, ''));
    const shown = clip(raw, start);
    const marker = n === line ? style.red('>') : ' ';
    out.push(`${marker} ${style.dim(`${String(n).padStart(gutter)} |`)} ${shown}`);
    if (n === line) {
      const offset = column - 1 - start + (start > 0 ? 1 : 0);
      const width = Math.max(1, Math.min(length, FRAME_WIDTH - offset));
      out.push(`  ${' '.repeat(gutter)} ${style.dim('|')} ${' '.repeat(Math.max(0, offset))}${style.red('^'.repeat(width))}`);
    }
  }
  return out.join('\n');
}

/**
 * A storyboard that holds a key (refused, for that very reason) must not have the key printed
 * back into a CI log by the code frame, nor control characters sent to the terminal. Both are
 * masked to the same width, so the caret still lines up.
 */
function safeLine(line: string): string {
  return blankControls(maskSourceLine(line));
}

function clip(line: string, start: number): string {
  const visible = line.slice(start, start + FRAME_WIDTH);
  return `${start > 0 ? '…' : ''}${visible}${line.length > start + FRAME_WIDTH ? '…' : ''}`;
}
