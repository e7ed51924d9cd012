import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { FfmpegError } from './errors.js';
import { syncDirectory, syncFile } from '../files/durable.js';

/**
 * Runs the ffmpeg that `@ffmpeg-installer/ffmpeg` ships (as the emulator's media renderer does):
 * progress from `-progress pipe:1`, cancellable, stderr kept to a bounded tail.
 */

export interface RunFfmpegOptions {
  /** Arguments, `-progress pipe:1` among them for progress. */
  readonly args: readonly string[];
  /**
   * Arguments of another ffmpeg whose standard output is this run's standard input (read by
   * `-i pipe:0`): two processes, so the feed's filters and this run's encoders use two cores.
   * The run fails when either fails; aborting kills both.
   */
  readonly feed?: readonly string[];
  /** Seconds of output the run makes: progress is reported as a fraction of it. */
  readonly durationSeconds: number;
  /** Called with 0..1 as ffmpeg reports its output time (about twice a second). */
  readonly onProgress?: (fraction: number) => void;
  /** Aborting kills ffmpeg at once; the run then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Default: the binary of `@ffmpeg-installer/ffmpeg`. */
  readonly ffmpegPath?: string;
}

/** Bytes of stderr kept (its end): loudnorm's measurement and the error lines are at the end. */
const STDERR_TAIL_BYTES = 64 * 1024;
/** Lines of stderr an error carries. */
const ERROR_LINES = 12;

export async function defaultFfmpegPath(): Promise<string> {
  const { default: ffmpeg } = await import('@ffmpeg-installer/ffmpeg');
  return ffmpeg.path;
}

/**
 * Runs ffmpeg (and its feed) to the end; resolves with the tail of its stderr (the feed's tail
 * first), rejects with an FfmpegError or the abort reason.
 */
export async function runFfmpeg(options: RunFfmpegOptions): Promise<string> {
  const { signal } = options;
  signal?.throwIfAborted();
  const binary = options.ffmpegPath ?? (await defaultFfmpegPath());
  const children: ChildProcess[] = [];
  const kill = (): void => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', kill, { once: true });
  const runs: Promise<string>[] = [];
  let firstFailure: { error: unknown } | null = null;
  const watch = (started: Started): void => {
    runs.push(
      started.done.catch((error: unknown) => {
        // Whichever fails first stops the other: a feed that died must not leave a film cut short.
        firstFailure ??= { error };
        kill();
        throw error;
      }),
    );
  };
  try {
    const main = start(binary, options.args, { stdin: options.feed === undefined ? 'ignore' : 'pipe', children }, (line) => {
      const fraction = progressFraction(line, options.durationSeconds);
      if (fraction !== null) options.onProgress?.(fraction);
    });
    watch(main);
    if (options.feed !== undefined) {
      // The feed writes straight into the run's standard input; this process keeps no end of the
      // pipe (so the run sees its end when the feed exits) and never reads from it.
      try {
        watch(start(binary, options.feed, { stdin: 'ignore', stdout: main.child.stdin!, children }));
      } finally {
        main.child.stdin!.destroy();
      }
    }
  } catch (error) {
    firstFailure ??= { error };
    kill();
  }
  try {
    // Every process has exited before this returns, so none writes after its caller cleaned up.
    const settled = await Promise.allSettled(runs);
    if (signal?.aborted) throw signal.reason;
    if (firstFailure !== null) throw (firstFailure as { error: unknown }).error;
    // The feed's tail first: it is the one that measures.
    return settled
      .map((run) => (run.status === 'fulfilled' ? run.value : ''))
      .reverse()
      .join('\n');
  } finally {
    signal?.removeEventListener('abort', kill);
  }
}

interface Started {
  readonly child: ChildProcess;
  /** The tail of stderr once the process exited 0; an FfmpegError otherwise. */
  readonly done: Promise<string>;
}

interface Stdio {
  readonly stdin: 'ignore' | 'pipe';
  /** Default: a pipe to this process (progress lines). */
  readonly stdout?: Writable;
  /** Every process started, for the abort to kill. */
  readonly children: ChildProcess[];
}

function start(binary: string, args: readonly string[], stdio: Stdio, onProgressLine?: (line: string) => void): Started {
  let child: ChildProcess;
  try {
    child = spawn(binary, args, { stdio: [stdio.stdin, stdio.stdout ?? 'pipe', 'pipe'] });
  } catch (error) {
    // Some refusals (E2BIG: arguments over the system's limit) are thrown, not emitted.
    throw new FfmpegError('did not start', [(error as Error).message], { cause: error });
  }
  const { children } = stdio;
  children.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (stderr.length > 2 * STDERR_TAIL_BYTES) stderr = stderr.slice(-STDERR_TAIL_BYTES);
  });
  if (onProgressLine !== undefined && child.stdout !== null) {
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (pending.length > 4096) pending = ''; // no progress line is that long
      for (const line of lines) onProgressLine(line);
    });
  }
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', (error) => reject(new FfmpegError('did not start', [error.message], { cause: error })));
    child.on('close', (code, killedBy) => {
      const tail = stderr.slice(-STDERR_TAIL_BYTES);
      if (code === 0) resolve(tail);
      else reject(new FfmpegError(killedBy ?? `exit ${code}`, lastLines(tail)));
    });
  });
  return { child, done };
}

/**
 * Runs ffmpeg writing into a temp file beside `output` (named as the project's other temps,
 * `<output>.tmp-<pid>-<hex>`, so a killed run's leftovers are recognised and swept), fsyncs it
 * and renames it over `output`. On failure or abort the temp file is removed and `output` is
 * untouched. With `keep`, ffmpeg's stderr decides first: when `keep` says no, the temp file is
 * removed, `output` is untouched and the result is `false`.
 */
export async function writeWithFfmpeg(
  output: string,
  options: Omit<RunFfmpegOptions, 'args'> & { readonly args: (temp: string) => readonly string[]; readonly keep?: (stderr: string) => boolean },
): Promise<boolean> {
  const temp = tempPathFor(output);
  try {
    const stderr = await runFfmpeg({ ...options, args: options.args(temp) });
    if (options.keep !== undefined && !options.keep(stderr)) return false;
    await syncFile(temp);
    // An abort that came as ffmpeg finished still leaves the old output in place.
    options.signal?.throwIfAborted();
    await rename(temp, output);
  } finally {
    await rm(temp, { force: true });
  }
  await syncDirectory(path.dirname(output));
  return true;
}

/** A temp path beside `final` that the stale-file sweep recognises as its temp. */
export function tempPathFor(final: string): string {
  return `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * 0..1 from one line of `-progress` output (`out_time=00:00:01.500000`), or `null` for any
 * other line. `out_time` is the one key every ffmpeg version writes (older ones have no
 * `out_time_us`, and `out_time_ms` is in microseconds despite its name).
 */
export function progressFraction(line: string, durationSeconds: number): number | null {
  const match = /^out_time=(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)\s*$/.exec(line);
  if (match === null || durationSeconds <= 0) return null;
  if (match[1] === '-') return 0; // before the first frame ffmpeg prints a negative time
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
  return Math.min(1, Math.max(0, seconds / durationSeconds));
}

function lastLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-ERROR_LINES);
}
