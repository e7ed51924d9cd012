import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { REPO, type CliRun } from '../helpers/cli.js';
import { copyProjectFiles } from '../helpers/tracked-files.js';

/** Fixed seeds: a failure prints its seed and path, and the same run reproduces it. */
export const FUZZ_SEED = 20_261_122;
/** Cases per fuzz target (the issue asks for at least 1,000). */
export const FUZZ_RUNS = 1_000;

/** Issue codes that concern a whole file and may therefore carry line 0 (no position in it). */
export const FILE_LEVEL_CODES = new Set(['file-not-found', 'file-unreadable', 'file-too-large', 'not-a-file', 'unknown-provider']);

/**
 * A local HTTP server that only counts what reaches it (and answers 500): a storyboard pointed
 * at it proves that nothing was sent.
 */
export async function startCountingServer(): Promise<{
  url: string;
  requests: () => number;
  headers: () => IncomingHttpHeaders[];
  paths: () => string[];
  close: () => Promise<void>;
}> {
  const seen: IncomingHttpHeaders[] = [];
  const paths: string[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    paths.push(request.url ?? '');
    request.resume();
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end('{"error":{"message":"counting server","type":"server_error","param":null,"code":null}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => seen.length,
    headers: () => [...seen],
    paths: () => [...paths],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A temp project (a `.git` dir marks its root) holding a copy of `examples/`' tracked files. */
export async function examplesProject(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-hostile-'));
  await mkdir(path.join(dir, '.git'));
  await copyProjectFiles(REPO, 'examples', dir);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface ReportedIssue {
  readonly code: string;
  readonly severity: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** The issues a `--json` run printed (`issue`, from every command). */
export function issuesOf(run: CliRun): ReportedIssue[] {
  return run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((event) => event['event'] === 'issue') as unknown as ReportedIssue[];
}

/**
 * What every run on hostile input must satisfy, as a list of broken promises (empty when all
 * hold): a documented exit code, no stack trace, no internal error, and issues that point at a place.
 */
export function brokenPromises(run: CliRun, allowedCodes: readonly number[]): string[] {
  const broken: string[] = [];
  const output = `${run.stdout}\n${run.stderr}`;
  if (!allowedCodes.includes(run.code)) broken.push(`exit code ${run.code}, expected one of ${allowedCodes.join(', ')}`);
  if (/^\s+at .+:\d+:\d+\)?$/m.test(output)) broken.push('a stack trace reached the output');
  if (/internal error/.test(output)) broken.push('an internal error was reported');
  for (const issue of issuesOf(run)) {
    if (typeof issue.file !== 'string' || issue.file === '') broken.push(`issue ${issue.code} has no file`);
    if (!Number.isInteger(issue.line) || issue.line < 0) broken.push(`issue ${issue.code} has line ${issue.line}`);
    if (issue.line === 0 && !FILE_LEVEL_CODES.has(issue.code)) broken.push(`issue ${issue.code} has line 0 but is not about a whole file`);
    if (issue.line >= 1 && !(issue.column >= 1)) broken.push(`issue ${issue.code} at line ${issue.line} has column ${issue.column}`);
  }
  return broken;
}
