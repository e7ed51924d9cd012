import { createFalClient } from './fal/client.js';
import { createGeminiClient } from './gemini/client.js';
import { createVideosClient, type VideosClientOptions } from './openai-videos/client.js';
import type { VideoProtocolClient } from './protocol.js';
import { createReplicateClient } from './replicate/client.js';

/**
 * The one place a client is chosen: by the profile's `protocol` (SPEC §10). Every client takes
 * the same options (base URL, key, retry policy, timeouts) and speaks the same interface.
 */
export function createProtocolClient(opts: VideosClientOptions): VideoProtocolClient {
  switch (opts.profile.protocol) {
    case 'openai-videos':
      return createVideosClient(opts);
    case 'gemini':
      return createGeminiClient(opts);
    case 'fal':
      return createFalClient(opts);
    case 'replicate':
      return createReplicateClient(opts);
  }
}
