import { defaultRemoteRetry, withRemoteRetries } from './remote-retry.js';
import { MAX_PAGE, type BlobStat, type RemoteStore } from './store.js';

/** Every blob on the remote, page by page. */
export async function listAllBlobs(store: RemoteStore, signal?: AbortSignal): Promise<BlobStat[]> {
  const blobs: BlobStat[] = [];
  const retry = { ...defaultRemoteRetry, signal };
  for (let after: string | undefined; ;) {
    const page = await withRemoteRetries(retry, () => store.listBlobs({ after, limit: MAX_PAGE, signal }));
    blobs.push(...page.blobs);
    if (page.next === null) return blobs;
    after = page.next;
  }
}
