import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * File work on worker threads: the sha256 of whole files, and whole copies of small files. A
 * pool of at least four, one per core beyond that, so hashing the files of a push or a pull
 * uses every core while this thread only schedules (sha256 runs at ~1.5 GB/s a core, under the
 * speed of a kernel copy: on one thread it is what a local transfer waits for), and so small
 * copies, which wait on the disk (create, fsync, rename) more than they compute, overlap. A
 * small copy is one message: its ten system calls run back to back on the worker instead of
 * each taking a turn through libuv's four threads. Started on first use, a worker at a time as
 * needed; idle workers do not keep the process alive.
 */

export type FileDigest =
  | { readonly kind: 'digest'; readonly sha256: string; readonly bytes: number }
  /** The file holds more than `limit` bytes: it was not hashed to its end. */
  | { readonly kind: 'too-long'; readonly bytes: number };

export type SmallCopyResult =
  | { readonly kind: 'copied' }
  /** The source was not the expected bytes: nothing was written. `sha256` is `null` when it was longer. */
  | { readonly kind: 'mismatch'; readonly sha256: string | null; readonly bytes: number };

export interface SmallCopy {
  readonly source: string;
  /** Created exclusively (its folder made if missing), removed if anything fails. */
  readonly temp: string;
  /** Renamed to once written and fsynced (its folder made if missing). */
  readonly dest: string;
  readonly sha256: string;
  /** At most `MAX_SMALL_COPY_BYTES`. */
  readonly bytes: number;
}

export interface PoolOptions {
  readonly signal?: AbortSignal | undefined;
  /** Bytes hashed so far, every few MiB. */
  readonly onProgress?: ((bytesDone: number) => void) | undefined;
}

/** Read in 1 MiB pieces, progress told every 8 MiB. */
const CHUNK_BYTES = 1024 * 1024;
const PROGRESS_BYTES = 8 * CHUNK_BYTES;
/** Largest file `copySmall` takes: it is held whole in the worker's one buffer. */
export const MAX_SMALL_COPY_BYTES = CHUNK_BYTES;

/** The worker's code, plain CommonJS (`eval`), so it runs the same from source, from `dist/` and under the test runner. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { dirname } = require('node:path');
const { createHash } = require('node:crypto');
const buffer = Buffer.allocUnsafe(${CHUNK_BYTES + 1});

/**
 * Opened without blocking and refused unless a regular file, as files/read-bounded.ts opens
 * (that module is the main thread's, async): a FIFO or a device put where a file was expected
 * (a shared remote is untrusted) would otherwise hang or never end the read.
 */
function openRegular(path) {
  const fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  if (fs.fstatSync(fd).isFile()) return fd;
  fs.closeSync(fd);
  throw Object.assign(new Error('not a regular file: ' + path), { code: 'EINVAL', syscall: 'open' });
}

function hashFile({ path, limit }) {
  const fd = openRegular(path);
  try {
    const hash = createHash('sha256');
    let done = 0;
    let told = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, ${CHUNK_BYTES}, done);
      if (read === 0) break;
      done += read;
      if (done > limit) return { kind: 'too-long', bytes: done };
      hash.update(buffer.subarray(0, read));
      if (done - told >= ${PROGRESS_BYTES}) parentPort.postMessage({ kind: 'progress', bytes: (told = done) });
    }
    return { kind: 'digest', sha256: hash.digest('hex'), bytes: done };
  } finally {
    fs.closeSync(fd);
  }
}

/** One more byte than expected is asked for, so a longer source is told from an exact one. */
function readAtMost(path, limit) {
  const fd = openRegular(path);
  try {
    let filled = 0;
    while (filled < limit) {
      const read = fs.readSync(fd, buffer, filled, limit - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return buffer.subarray(0, filled);
  } finally {
    fs.closeSync(fd);
  }
}

function orMakeFolder(folder, act) {
  try {
    return act();
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
    fs.mkdirSync(folder, { recursive: true });
    return act();
  }
}

function copySmall({ source, temp, dest, sha256, bytes }) {
  const data = readAtMost(source, bytes + 1);
  const actual = createHash('sha256').update(data).digest('hex');
  if (data.length !== bytes || actual !== sha256) return { kind: 'mismatch', sha256: data.length > bytes ? null : actual, bytes: data.length };
  const fd = orMakeFolder(dirname(temp), () => fs.openSync(temp, 'wx'));
  try {
    try {
      for (let written = 0; written < data.length; ) written += fs.writeSync(fd, data, written, data.length - written);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    orMakeFolder(dirname(dest), () => fs.renameSync(temp, dest));
  } catch (error) {
    try { fs.unlinkSync(temp); } catch {}
    throw error;
  }
  return { kind: 'copied' };
}

parentPort.on('message', (job) => {
  try {
    parentPort.postMessage(job.kind === 'hash' ? hashFile(job) : copySmall(job));
  } catch (error) {
    parentPort.postMessage({ kind: 'error', message: String(error && error.message), code: error && error.code, syscall: error && error.syscall });
  }
});
`;

type Job = { readonly kind: 'hash'; readonly path: string; readonly limit: number } | ({ readonly kind: 'copy-small' } & SmallCopy);

type WorkerMessage =
  | FileDigest
  | SmallCopyResult
  | { readonly kind: 'progress'; readonly bytes: number }
  | { readonly kind: 'error'; readonly message: string; readonly code?: string; readonly syscall?: string };

class FilePool {
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private started = 0;

  constructor(private readonly size: number) {}

  /** The sha256 and length of the file at `file`, or `too-long` past `limit` bytes. Rejects with the read's error (its `code` kept) or the signal's reason. */
  hashFile(file: string, limit: number, options: PoolOptions = {}): Promise<FileDigest> {
    return this.run<FileDigest>({ kind: 'hash', path: file, limit }, options);
  }

  /**
   * Reads `copy.source` whole, and if its bytes are `copy.bytes` bytes of `copy.sha256`,
   * writes exactly those bytes to `copy.temp`, fsyncs it and renames it to `copy.dest`; what
   * is verified is what is written. Rejects with the failing call's error (`code` and
   * `syscall` kept), having removed the temp file. An abort is heeded before the copy starts,
   * not during it: a copy of at most 1 MiB ends soon, and ends whole or not at all.
   */
  copySmall(copy: SmallCopy, options: Pick<PoolOptions, 'signal'> = {}): Promise<SmallCopyResult> {
    if (copy.bytes > MAX_SMALL_COPY_BYTES) throw new RangeError(`copySmall takes at most ${MAX_SMALL_COPY_BYTES} bytes, not ${copy.bytes}`);
    options.signal?.throwIfAborted();
    return this.run<SmallCopyResult>({ kind: 'copy-small', ...copy }, {});
  }

  private async run<T extends WorkerMessage>(job: Job, options: PoolOptions): Promise<T> {
    options.signal?.throwIfAborted();
    const worker = await this.acquire();
    worker.ref();
    let healthy = true;
    try {
      return await new Promise<T>((resolve, reject) => {
        const onAbort = (): void => {
          // A hash cannot be interrupted in its loop: the worker goes, another is started when needed.
          healthy = false;
          void worker.terminate();
          finish();
          reject(options.signal!.reason);
        };
        const onError = (error: Error): void => {
          healthy = false;
          finish();
          reject(error);
        };
        const onMessage = (message: WorkerMessage): void => {
          if (message.kind === 'progress') {
            options.onProgress?.(message.bytes);
            return;
          }
          finish();
          if (message.kind === 'error') reject(systemError(message));
          else resolve(message as T);
        };
        const finish = (): void => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          options.signal?.removeEventListener('abort', onAbort);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        options.signal?.addEventListener('abort', onAbort, { once: true });
        worker.postMessage(job);
      });
    } finally {
      this.release(worker, healthy);
    }
  }

  private async acquire(): Promise<Worker> {
    for (;;) {
      const worker = this.idle.pop();
      if (worker !== undefined) return worker;
      if (this.started < this.size) {
        this.started++;
        return new Worker(WORKER_SOURCE, { eval: true });
      }
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }

  private release(worker: Worker, healthy: boolean): void {
    if (healthy) {
      worker.unref();
      this.idle.push(worker);
    } else {
      this.started--;
    }
    this.waiting.shift()?.();
  }
}

/** The worker's error as this thread's, with the `code` and `syscall` that retries and messages read. */
function systemError(message: { readonly message: string; readonly code?: string; readonly syscall?: string }): Error {
  const error: NodeJS.ErrnoException = new Error(message.message);
  if (message.code !== undefined) error.code = message.code;
  if (message.syscall !== undefined) error.syscall = message.syscall;
  return error;
}

let pool: FilePool | null = null;

/** The process's pool: one worker per core, at least four. */
export function filePool(): FilePool {
  pool ??= new FilePool(Math.max(4, availableParallelism()));
  return pool;
}
