import { stat } from 'node:fs/promises';
import { getMaxListeners, setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { errorCodeOf, errorMessageOf } from '../errors.js';
import { BlobMissingError } from './errors.js';
import { filePool } from './file-pool.js';
import { STREAM_CHUNK_BYTES } from './file-io.js';
import { createRedactor } from './redact-credentials.js';
import { defaultRemoteRetry, withRemoteRetries, type RemoteRetry } from './remote-retry.js';
import type { RemoteStore } from './store.js';

/**
 * Push and pull: a set of outputs (sha256, size, path) between disk and a remote, in parallel
 * up to a limit, each streamed (memory bounded by the limit, not by file sizes), verified, and
 * retried by the project's retry policy. What exists is skipped, so a push or pull that was
 * cut short continues where it stopped. Progress and results are events (data; the CLI renders
 * them) and a summary.
 */

export interface StoredOutput {
  readonly sha256: string;
  readonly bytes: number;
  /** Absolute path on disk. */
  readonly path: string;
  /** How events name it (e.g. relative to the project); the path when absent. */
  readonly label?: string | undefined;
}

export type TransferDirection = 'push' | 'pull';

/**
 * What became of a blob. `missing`: for a push, no local file holds it; for a pull, the remote
 * has none. `present`: already there (on the remote for a push, on disk for a pull).
 */
export type BlobResult = 'transferred' | 'present' | 'missing' | 'failed';

interface BlobEventBase {
  readonly event: 'remote.blob';
  readonly direction: TransferDirection;
  readonly sha256: string;
  readonly path: string;
  readonly bytes: number;
}

export type TransferEvent =
  | (BlobEventBase & { readonly state: 'started' })
  | (BlobEventBase & { readonly state: 'progress'; readonly done: number })
  | (BlobEventBase & { readonly state: 'retry'; readonly retry: number; readonly delay_ms: number; readonly reason: string })
  | (BlobEventBase & { readonly state: 'transferred' | 'present' | 'missing' })
  | (BlobEventBase & { readonly state: 'failed'; readonly code: string; readonly message: string });

export interface TransferFailure {
  readonly sha256: string;
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

export interface TransferSummary {
  readonly event: 'remote.summary';
  readonly direction: TransferDirection;
  readonly remote: string;
  /** Distinct blobs for a push (outputs with the same content travel once); outputs for a pull. */
  readonly items: number;
  readonly transferred: number;
  readonly present: number;
  readonly missing: number;
  readonly failed: number;
  readonly bytes_transferred: number;
  readonly seconds: number;
  /** Stopped by the signal before every item was done. */
  readonly interrupted: boolean;
  readonly failures: readonly TransferFailure[];
}

export interface TransferRunOptions {
  /** Blobs in flight at once. Default 8. */
  readonly concurrency?: number | undefined;
  readonly retry?: Partial<RemoteRetry> | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((event: TransferEvent) => void) | undefined;
  /** For `seconds`; default `performance.now`. */
  readonly now?: (() => number) | undefined;
  /**
   * Pull only: whether the file on disk already holds the output. Default: same size and
   * sha256, hashed here; the CLI passes the project's hash cache.
   */
  readonly localMatches?: ((output: StoredOutput) => Promise<boolean>) | undefined;
  /** Push only: blobs to upload even though the remote has one of that name and size (one a pull found damaged). */
  readonly replace?: ReadonlySet<string> | undefined;
}

export const DEFAULT_TRANSFER_CONCURRENCY = 8;

/** Uploads every distinct blob of `outputs` that the remote lacks. */
export async function pushOutputs(store: RemoteStore, outputs: readonly StoredOutput[], options: TransferRunOptions = {}): Promise<TransferSummary> {
  const bySha = new Map<string, StoredOutput[]>();
  for (const output of outputs) bySha.set(output.sha256, [...(bySha.get(output.sha256) ?? []), output]);
  return run(store, 'push', [...bySha.values()], options, async (copies, ctx) => {
    const first = copies[0]!;
    const remote = await ctx.retried(first, () => store.statBlob(first.sha256, { signal: options.signal }));
    if (remote !== null && remote.bytes === first.bytes && options.replace?.has(first.sha256) !== true) return { result: 'present', output: first };
    // Any copy on disk will do; the lockfile may name several paths with the same bytes.
    for (const copy of copies) {
      if (!(await isFile(copy.path))) continue;
      ctx.started(copy);
      await ctx.retried(copy, () => store.putBlob(copy.sha256, copy.bytes, copy.path, { signal: options.signal, onProgress: ctx.progress(copy) }));
      return { result: 'transferred', output: copy };
    }
    return { result: 'missing', output: first };
  });
}

/** Downloads every output whose file on disk is missing or wrong. */
export async function pullOutputs(store: RemoteStore, outputs: readonly StoredOutput[], options: TransferRunOptions = {}): Promise<TransferSummary> {
  const matches = options.localMatches ?? fileMatches;
  return run(
    store,
    'pull',
    outputs.map((o) => [o]),
    options,
    async ([output], ctx) => {
      if (await matches(output!)) return { result: 'present', output: output! };
      ctx.started(output!);
      try {
        await ctx.retried(output!, () =>
          store.getBlob(output!.sha256, output!.bytes, output!.path, { signal: options.signal, onProgress: ctx.progress(output!) }),
        );
      } catch (error) {
        if (error instanceof BlobMissingError) return { result: 'missing', output: output! };
        throw error;
      }
      return { result: 'transferred', output: output! };
    },
  );
}

interface ItemContext {
  started(output: StoredOutput): void;
  progress(output: StoredOutput): (done: number) => void;
  retried<T>(output: StoredOutput, attempt: () => Promise<T>): Promise<T>;
}

type ItemOutcome = { readonly result: Exclude<BlobResult, 'failed'>; readonly output: StoredOutput };

async function run(
  store: RemoteStore,
  direction: TransferDirection,
  items: readonly (readonly StoredOutput[])[],
  options: TransferRunOptions,
  work: (item: readonly StoredOutput[], ctx: ItemContext) => Promise<ItemOutcome>,
): Promise<TransferSummary> {
  const now = options.now ?? (() => performance.now());
  const start = now();
  const emit = options.onEvent ?? (() => {});
  const redact = createRedactor();
  const retry: RemoteRetry = { ...defaultRemoteRetry, ...options.retry, signal: options.signal };
  const base = (o: StoredOutput) => ({ event: 'remote.blob' as const, direction, sha256: o.sha256, path: o.label ?? o.path, bytes: o.bytes });
  const counts = { transferred: 0, present: 0, missing: 0, failed: 0, bytes: 0 };
  const failures: TransferFailure[] = [];
  const ctx: ItemContext = {
    started: (o) => emit({ ...base(o), state: 'started' }),
    progress: (o) => {
      // At most ~50 progress events per blob, however large.
      const step = Math.max(STREAM_CHUNK_BYTES, Math.floor(o.bytes / 50));
      let last = 0;
      return (done) => {
        if (done - last < step && done !== o.bytes) return;
        last = done;
        emit({ ...base(o), state: 'progress', done });
      };
    },
    retried: (o, attempt) =>
      withRemoteRetries(
        { ...retry, onRetry: (info) => emit({ ...base(o), state: 'retry', retry: info.retry, delay_ms: info.delayMs, reason: redact(info.error.message) }) },
        attempt,
      ),
  };
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_TRANSFER_CONCURRENCY);
  // Each transfer in flight listens to the run's signal a few times (the SDK call, the stream
  // pipeline); Node warns on stderr past 10 listeners, which is not a leak here.
  if (options.signal !== undefined) setMaxListeners(Math.max(getMaxListeners(options.signal), concurrency * 4 + 10), options.signal);
  const limit = pLimit(concurrency);
  let interrupted = false;
  await Promise.all(
    items.map((item) =>
      limit(async () => {
        if (options.signal?.aborted) {
          interrupted = true;
          return;
        }
        try {
          const { result, output } = await work(item, ctx);
          counts[result]++;
          if (result === 'transferred') counts.bytes += output.bytes;
          emit({ ...base(output), state: result });
        } catch (error) {
          if (options.signal?.aborted) {
            interrupted = true;
            return;
          }
          const output = item[0]!;
          const failure = { sha256: output.sha256, path: output.label ?? output.path, code: errorCodeOf(error), message: redact(errorMessageOf(error)) };
          counts.failed++;
          failures.push(failure);
          emit({ ...base(output), state: 'failed', code: failure.code, message: failure.message });
        }
      }),
    ),
  );
  return {
    event: 'remote.summary',
    direction,
    remote: store.description,
    items: items.length,
    transferred: counts.transferred,
    present: counts.present,
    missing: counts.missing,
    failed: counts.failed,
    bytes_transferred: counts.bytes,
    seconds: (now() - start) / 1000,
    interrupted,
    failures,
  };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Same size, then same sha256 (hashed on a worker thread). */
async function fileMatches(output: StoredOutput): Promise<boolean> {
  try {
    const info = await stat(output.path);
    if (!info.isFile() || info.size !== output.bytes) return false;
    const digest = await filePool().hashFile(output.path, output.bytes);
    return digest.kind === 'digest' && digest.sha256 === output.sha256;
  } catch {
    return false;
  }
}
