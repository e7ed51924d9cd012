import { expect } from 'vitest';
import type { Issue } from '../../src/source/issue.js';
import { hasStackTrace, runCli } from '../helpers/cli.js';
import { writeProject, type Tree } from './helpers.js';

/**
 * A row of an invalid table: a project written to a temp dir and run through `shotlist
 * validate`; it must exit 2 and print exactly the expected issues, each at its `file:line:col`,
 * with its document path, code, a message fragment and (where given) a hint.
 */

export interface ExpectedIssue {
  /** `file:line:col`, or the bare file for an issue without a position. */
  readonly at: string;
  readonly code: string;
  /** Document path as printed; '' for the whole file. */
  readonly path: string;
  /** A fragment of the message. */
  readonly message: string;
  /** A fragment of the hint line. */
  readonly hint?: string;
}

export interface InvalidRow {
  readonly name: string;
  readonly files: Tree;
  /** The storyboard to validate, relative to the project dir; default `board.yaml`. */
  readonly file?: string;
  /** Extra command-line arguments. */
  readonly args?: readonly string[];
  readonly issues: readonly ExpectedIssue[];
}

function where(issue: Issue): string {
  return issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
}

/** Runs one row, text and `--json`; the project is removed by the cleanups the caller runs after all. */
export async function expectIssues(row: InvalidRow, cleanups: (() => Promise<void>)[]): Promise<void> {
  const { dir, cleanup } = await writeProject(row.files);
  cleanups.push(cleanup);
  const file = row.file ?? 'board.yaml';
  const started = performance.now();
  const run = await runCli(['validate', file, ...(row.args ?? [])], { cwd: dir });
  const elapsed = performance.now() - started;

  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe(`✗ ${file}: invalid\n`);
  expect(hasStackTrace(run.stderr), run.stderr).toBe(false);
  expect(run.stderr).not.toMatch(/^\w*Error:/m);
  expect(run.stderr).not.toContain('internal error');
  // Even the alias bomb is refused at once, not after expanding it.
  expect(elapsed).toBeLessThan(10_000);

  // The same run as data: every expected issue, exactly where the row says, and nothing else.
  const json = await runCli(['validate', file, '--json', ...(row.args ?? [])], { cwd: dir });
  expect(json.code).toBe(2);
  const issues = json.events().filter((event) => event['event'] === 'issue') as unknown as Issue[];
  const listing = issues.map((i) => `${where(i)} ${i.path} | ${i.message} [${i.code}] hint: ${i.hint ?? ''}`).join('\n');
  for (const expected of row.issues) {
    const match = issues.find(
      (i) =>
        where(i) === expected.at &&
        i.code === expected.code &&
        i.path === expected.path &&
        i.message.includes(expected.message) &&
        (expected.hint === undefined || (i.hint ?? '').includes(expected.hint)),
    );
    expect(match, `expected ${JSON.stringify(expected)}\nreported:\n${listing}`).toBeDefined();
  }
  expect(issues.length, `reported:\n${listing}`).toBe(row.issues.length);

  // And as the user reads it: one header line per issue, with its hint, and the count.
  for (const issue of issues) {
    expect(run.stderr).toContain(`${where(issue)}: error: ${issue.path ? `${issue.path}: ` : ''}${issue.message} [${issue.code}]\n`);
    if (issue.hint) expect(run.stderr).toContain(`  hint: ${issue.hint}\n`);
  }
  expect(run.stderr).toMatch(new RegExp(`\\n\\n${row.issues.length} errors?\\n$`));
}
