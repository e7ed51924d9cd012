import pLimit from 'p-limit';
import { defaultRemoteRetry, withRemoteRetries } from './remote-retry.js';
import type { RemoteStore } from './store.js';

/**
 * Which of these blobs the remote holds whole (its size as expected), asked blob by blob in
 * parallel: a plan asks only about files missing on disk, so this is a handful of requests, not
 * a listing of the whole remote.
 */
export async function remoteHolds(
  store: RemoteStore,
  blobs: ReadonlyMap<string, number>,
  options: { readonly signal?: AbortSignal | undefined; readonly concurrency?: number } = {},
): Promise<Set<string>> {
  const held = new Set<string>();
  const limit = pLimit(options.concurrency ?? 16);
  const retry = { ...defaultRemoteRetry, signal: options.signal };
  await Promise.all(
    [...blobs].map(([sha256, bytes]) =>
      limit(async () => {
        const stat = await withRemoteRetries(retry, () => store.statBlob(sha256, { signal: options.signal }));
        if (stat !== null && stat.bytes === bytes) held.add(sha256);
      }),
    ),
  );
  return held;
}
