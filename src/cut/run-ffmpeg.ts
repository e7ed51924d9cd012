import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FfmpegError } from './errors.js';
import { syncDirectory, syncFile } from '../files/durable.js';

/**
 * Runs the ffmpeg that `@ffmpeg-installer/ffmpeg` ships (as the emulator's media renderer does):
 * progress from `-progress pipe:1`, cancellable, stderr kept to a bounded tail.
 */

export interface RunFfmpegOptions {
  /** Arguments, `-progress pipe:1` among them for progress. */
  readonly args: readonly string[];
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

/** Runs ffmpeg to its end; resolves with the tail of its stderr, rejects with an FfmpegError or the abort reason. */
export async function runFfmpeg(options: RunFfmpegOptions): Promise<string> {
  const { signal } = options;
  signal?.throwIfAborted();
  const binary = options.ffmpegPath ?? (await defaultFfmpegPath());
  return new Promise((resolve, reject) => {
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      child = spawn(binary, options.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      // Some refusals (E2BIG: arguments over the system's limit) are thrown, not emitted.
      reject(new FfmpegError('did not start', [(error as Error).message], { cause: error }));
      return;
    }
    let stderr = '';
    let pending = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > 2 * STDERR_TAIL_BYTES) stderr = stderr.slice(-STDERR_TAIL_BYTES);
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (pending.length > 4096) pending = ''; // no progress line is that long
      for (const line of lines) {
        const fraction = progressFraction(line, options.durationSeconds);
        if (fraction !== null) options.onProgress?.(fraction);
      }
    });
    const kill = (): void => void child.kill('SIGKILL');
    signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', kill);
      reject(new FfmpegError('did not start', [error.message], { cause: error }));
    });
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', kill);
      const tail = stderr.slice(-STDERR_TAIL_BYTES);
      if (signal?.aborted) reject(signal.reason);
      else if (code === 0) resolve(tail);
      else reject(new FfmpegError(killedBy ?? `exit ${code}`, lastLines(tail)));
    });
  });
}

/**
 * Runs ffmpeg writing into a temp file beside `output` (named as the project's other temps,
 * `<output>.tmp-<pid>-<hex>`, so a killed run's leftovers are recognised and swept), fsyncs it
 * and renames it over `output`. On failure or abort the temp file is removed and `output` is
 * untouched.
 */
export async function writeWithFfmpeg(output: string, options: Omit<RunFfmpegOptions, 'args'> & { readonly args: (temp: string) => readonly string[] }): Promise<void> {
  const temp = tempPathFor(output);
  try {
    await runFfmpeg({ ...options, args: options.args(temp) });
    await syncFile(temp);
    // An abort that came as ffmpeg finished still leaves the old output in place.
    options.signal?.throwIfAborted();
    await rename(temp, output);
  } finally {
    await rm(temp, { force: true });
  }
  await syncDirectory(path.dirname(output));
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
  return text.split('\n').map((line) => line.trimEnd()).filter((line) => line !== '').slice(-ERROR_LINES);
}

