import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * sha256 of whole files on worker threads, one per core, so hashing the files of a push or a
 * pull uses every core while this thread only schedules (sha256 runs at ~1.5 GB/s a core, under
 * the speed of a kernel copy: on one thread it is what a local transfer waits for). Started on
 * first use, a worker at a time as needed; idle workers do not keep the process alive.
 */

export type FileDigest =
  | { readonly kind: 'digest'; readonly sha256: string; readonly bytes: number }
  /** The file holds more than `limit` bytes: it was not hashed to its end. */
  | { readonly kind: 'too-long'; readonly bytes: number };

export interface HashOptions {
  readonly signal?: AbortSignal | undefined;
  /** Bytes hashed so far, every few MiB. */
  readonly onProgress?: ((bytesDone: number) => void) | undefined;
}

/** Read in 1 MiB pieces, progress told every 8 MiB. */
const CHUNK_BYTES = 1024 * 1024;
const PROGRESS_BYTES = 8 * CHUNK_BYTES;

/** The worker's code, plain CommonJS (`eval`), so it runs the same from source, from `dist/` and under the test runner. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const buffer = Buffer.allocUnsafe(${CHUNK_BYTES});
parentPort.on('message', ({ path, limit }) => {
  let fd;
  try {
    fd = openSync(path, 'r');
    const hash = createHash('sha256');
    let done = 0;
    let told = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, done);
      if (read === 0) break;
      done += read;
      if (done > limit) return parentPort.postMessage({ kind: 'too-long', bytes: done });
      hash.update(buffer.subarray(0, read));
      if (done - told >= ${PROGRESS_BYTES}) parentPort.postMessage({ kind: 'progress', bytes: (told = done) });
    }
    parentPort.postMessage({ kind: 'digest', sha256: hash.digest('hex'), bytes: done });
  } catch (error) {
    parentPort.postMessage({ kind: 'error', message: String(error && error.message), code: error && error.code });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

type WorkerMessage =
  FileDigest | { readonly kind: 'progress'; readonly bytes: number } | { readonly kind: 'error'; readonly message: string; readonly code?: string };

class HashPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private started = 0;

  constructor(private readonly size: number) {}

  /** The sha256 and length of the file at `file`, or `too-long` past `limit` bytes. Rejects with the read's error (its `code` kept) or the signal's reason. */
  async hashFile(file: string, limit: number, options: HashOptions = {}): Promise<FileDigest> {
    options.signal?.throwIfAborted();
    const worker = await this.acquire();
    worker.ref();
    let healthy = true;
    try {
      return await new Promise<FileDigest>((resolve, reject) => {
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
          if (message.kind === 'error') reject(Object.assign(new Error(message.message), message.code === undefined ? {} : { code: message.code }));
          else resolve(message);
        };
        const finish = (): void => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          options.signal?.removeEventListener('abort', onAbort);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        options.signal?.addEventListener('abort', onAbort, { once: true });
        worker.postMessage({ path: file, limit });
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

let pool: HashPool | null = null;

/** The process's pool, one worker per core. */
export function hashPool(): HashPool {
  pool ??= new HashPool(Math.max(1, availableParallelism()));
  return pool;
}
