import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main, type CliIO } from '../../src/cli/main.js';
import { copyProjectFiles } from './tracked-files.js';

import { REPO } from './repo.js';

export { REPO };

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as newline-delimited JSON. */
  events(): Record<string, unknown>[];
}

/**
 * Runs the CLI in-process with captured output; `now` is fixed unless given (a function gives a
 * live clock, which renders against a real server need: it dates create attempts).
 */
export async function runCli(
  argv: readonly string[],
  options: {
    cwd: string;
    env?: Record<string, string>;
    now?: number | (() => number);
    signal?: AbortSignal;
    onOutput?: (output: { stdout: string; stderr: string }) => void;
  },
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const tell = () => options.onOutput?.({ stdout, stderr });
  const io: CliIO = {
    stdout: { write: (text: string) => ((stdout += text), tell()) },
    stderr: { write: (text: string) => ((stderr += text), tell()) },
    env: options.env ?? {},
    cwd: options.cwd,
    now: typeof options.now === 'function' ? options.now : () => (options.now as number | undefined) ?? Date.UTC(2026, 10, 22, 12, 0, 0),
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await main(argv, io);
  return {
    code,
    stdout,
    stderr,
    events: () =>
      stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/**
 * A fresh temp directory holding a copy of `examples/` as the project has it, removed by the
 * returned cleanup: only tracked files, never the lockfile, renders or `.shotlist/` that running
 * the README's quickstart leaves in `examples/`.
 */
export async function copyExamples(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-test-'));
  await copyProjectFiles(REPO, 'examples', dir);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** No stack trace reached the user. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+\(.*:\d+:\d+\)$/m.test(text) || /^\s+at .+:\d+:\d+$/m.test(text);
}
