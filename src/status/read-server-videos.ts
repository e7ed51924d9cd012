import { NotFoundError, type VideoProtocolClient } from '../api/index.js';
import type { ServerVideo } from './assess-status.js';

/** Retrievals at once: quick for a big lockfile, gentle on a server that rate-limits reads. */
const CONCURRENCY = 8;

/**
 * What the server says of each video id: retrieved one by one (a list would page through every
 * video of the account, and cannot tell a deleted video from one on a later page). A 404 is an
 * answer (`gone`); any other failure ends the whole check.
 */
export async function readServerVideos(client: VideoProtocolClient, videoIds: Iterable<string>, signal: AbortSignal): Promise<Map<string, ServerVideo>> {
  const answers = new Map<string, ServerVideo>();
  const queue = [...new Set(videoIds)];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      answers.set(id, await readOne(client, id, signal));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  return answers;
}

async function readOne(client: VideoProtocolClient, id: string, signal: AbortSignal): Promise<ServerVideo> {
  try {
    const { video } = await client.retrieve(id, { signal });
    return { status: video.status, serverStatus: video.serverStatus, expiresAt: video.expiresAt, error: video.error };
  } catch (error) {
    if (error instanceof NotFoundError) return 'gone';
    throw error;
  }
}
