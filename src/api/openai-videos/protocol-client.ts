import type { ProviderProfile } from '../../providers/profile.js';
import type { VideoProtocolClient } from '../protocol.js';
import { createVideosClient, type VideosClient, type VideosClientOptions } from './client.js';

/**
 * The `/v1/videos` protocol as a `VideoProtocolClient`: the capabilities its profile switches
 * off (`features.remix`, `list`, `delete`; `discoverModel`) are absent, not methods that throw.
 */
export function openAiVideosProtocol(client: VideosClient, profile: ProviderProfile): VideoProtocolClient {
  const f = profile.features;
  return {
    create: (req, opts) => client.create(req, opts),
    retrieve: (videoId, opts) => client.retrieve(videoId, opts),
    download: (videoId, variant, destPath, opts) => client.download(videoId, variant, destPath, opts),
    close: () => client.close(),
    ...(f.remix ? { remix: (videoId: string, prompt: string, opts?: Parameters<VideosClient['remix']>[2]) => client.remix(videoId, prompt, opts) } : {}),
    ...(f.edit === true ? { edit: client.edit.bind(client) } : {}),
    ...(f.extend === true ? { extend: client.extend.bind(client) } : {}),
    ...((f.characters ?? 0) > 0 ? { createCharacter: client.createCharacter.bind(client), getCharacter: client.getCharacter.bind(client) } : {}),
    ...(f.list ? { list: client.list.bind(client), listAll: client.listAll.bind(client) } : {}),
    ...(f.delete ? { delete: client.delete.bind(client) } : {}),
    ...(profile.discoverModel === true ? { listModels: client.listModels.bind(client) } : {}),
  };
}

/** A new `/v1/videos` client, seen through the protocol interface. */
export function createOpenAiVideosProtocol(opts: VideosClientOptions): VideoProtocolClient {
  return openAiVideosProtocol(createVideosClient(opts), opts.profile);
}
