import { afterEach, describe, expect, it } from 'vitest';
import { capabilitiesOf, createOpenAiVideosProtocol, type VideoProtocolClient } from '../../src/api/index.js';
import { emulatorProfile } from '../../src/providers/builtin.js';
import type { ProviderProfile } from '../../src/providers/profile.js';
import { sendJson, startServer, wireVideo, type TestServer } from './server.js';

const opened: Array<VideoProtocolClient | TestServer> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

function protocolFor(profile: ProviderProfile, baseUrl = 'http://127.0.0.1:9/v1'): VideoProtocolClient {
  const client = createOpenAiVideosProtocol({ profile, baseUrl, apiKey: null });
  opened.push(client);
  return client;
}

describe('the openai-videos protocol behind the interface', () => {
  it('declares what its profile has, and leaves out what it lacks', () => {
    expect(capabilitiesOf(protocolFor(emulatorProfile))).toEqual(['remix', 'edit', 'extend', 'createCharacter', 'getCharacter', 'list', 'listAll', 'delete']);
    const bare: ProviderProfile = {
      ...emulatorProfile,
      features: { ...emulatorProfile.features, remix: false, edit: false, extend: false, characters: 0, list: false, delete: false },
      discoverModel: true,
    };
    const client = protocolFor(bare);
    expect(capabilitiesOf(client)).toEqual(['listModels']);
    expect(client.remix).toBeUndefined();
    expect(client.edit).toBeUndefined();
    expect(client.createCharacter).toBeUndefined();
    expect(client.listAll).toBeUndefined();
  });

  it('serves the core through the interface against a real server', async () => {
    const server = await startServer((_req, res) => sendJson(res, 200, wireVideo({ status: 'completed', progress: 100 })));
    opened.push(server);
    const client = protocolFor(emulatorProfile, server.baseUrl);
    const created = await client.create({ prompt: 'a mug on a counter' });
    expect(created.id).toBe('video_abc123');
    const { video } = await client.retrieve(created.id);
    expect(video.status).toBe('completed');
    expect(server.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /v1/videos', 'GET /v1/videos/video_abc123']);
  });
});
