import pLimit from 'p-limit';
import type { Lockfile } from '../lockfile/lockfile.js';
import { pinnedFiles } from '../lockfile/pinned-files.js';
import { defaultRemoteRetry, withRemoteRetries } from '../remote/remote-retry.js';
import type { BlobStat, RemoteStore } from '../remote/store.js';
export { listAllBlobs } from '../remote/list-blobs.js';

/**
 * `shotlist gc --remote`: the blobs on the remote that no given lockfile pins, and their
 * deletion. The remote is listed *before* the lockfiles are read: a render records an output in
 * its lockfile before it pushes the blob, so every blob the listing saw is pinned by a lockfile
 * read after it, and a blob pushed meanwhile is not in the listing to be deleted.
 */

/** Every sha256 the lockfiles pin (any kind of output). */
export function pinnedBlobs(lockfiles: Iterable<Lockfile>): Set<string> {
  const pinned = new Set<string>();
  for (const lock of lockfiles) for (const { file } of pinnedFiles(lock)) pinned.add(file.sha256);
  return pinned;
}

export function unpinnedBlobs(listed: readonly BlobStat[], pinned: ReadonlySet<string>): BlobStat[] {
  return listed.filter((blob) => !pinned.has(blob.sha256));
}

export interface RemoteGcOutcome {
  readonly deleted: number;
  readonly failed: readonly { readonly sha256: string; readonly message: string }[];
}

/** Deletes the blobs, a few at a time, each retried by the retry policy; a failure is that blob's. */
export async function deleteBlobs(
  store: RemoteStore,
  blobs: readonly BlobStat[],
  options: { readonly signal?: AbortSignal; readonly onDeleted?: (blob: BlobStat) => void } = {},
): Promise<RemoteGcOutcome> {
  const limit = pLimit(8);
  const retry = { ...defaultRemoteRetry, signal: options.signal };
  let deleted = 0;
  const failed: { sha256: string; message: string }[] = [];
  await Promise.all(
    blobs.map((blob) =>
      limit(async () => {
        if (options.signal?.aborted) return;
        try {
          await withRemoteRetries(retry, () => store.deleteBlob(blob.sha256, { signal: options.signal }));
          deleted++;
          options.onDeleted?.(blob);
        } catch (error) {
          failed.push({ sha256: blob.sha256, message: error instanceof Error ? error.message : String(error) });
        }
      }),
    ),
  );
  return { deleted, failed };
}
