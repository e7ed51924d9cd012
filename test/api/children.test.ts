import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateOutcomeUnknownError,
  createOpenAiVideosProtocol,
  createVideosClient,
  NotFoundError,
  UnsupportedFeatureError,
  type VideosClient,
} from '../../src/api/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { emulatorProfile } from '../../src/providers/builtin.js';
import type { ProviderProfile } from '../../src/providers/profile.js';
import { encodeClip } from '../storyboard/clips.js';
import { sendJson, startServer, wireVideo } from './server.js';

/**
 * The client's March-2026 calls (edit, extend, createCharacter, getCharacter, a create casting
 * characters) against the emulator on 127.0.0.1:0, in both encodings; and the create-once rule
 * (an answer that never came is an unknown outcome, not a resend) on a server that stalls.
 */

const multipart: ProviderProfile = { ...emulatorProfile, name: 'multi', encoding: 'multipart' };

describe.each([
  ['JSON', emulatorProfile],
  ['multipart', multipart],
])('edits, extensions and characters in %s', (_encoding, profile) => {
  let emu: RunningEmulator;
  let client: VideosClient;
  beforeAll(async () => {
    emu = await startEmulator({ speed: 1000, fps: 4, guide2026: true });
    client = createVideosClient({ profile, baseUrl: emu.url, apiKey: 'sk-test' });
  });
  afterAll(async () => {
    await client?.close();
    await emu?.close();
  });

  async function completed(id: string): Promise<void> {
    for (;;) {
      const { video } = await client.retrieve(id);
      if (video.status === 'completed') return;
      if (video.status === 'failed') throw new Error(`${id} failed`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('edits a video: a new one, naming its source, its length kept', async () => {
    const source = await client.create({ prompt: 'A windmill', model: 'sora-2', size: '1280x720', seconds: '8' });
    await completed(source.id);
    const edit = await client.edit(source.id, 'A windmill in snow');
    expect(edit.id).not.toBe(source.id);
    expect(edit.remixedFromVideoId).toBe(source.id);
    expect(edit.seconds).toBe('8');
    expect(edit.prompt).toBe('A windmill in snow');
    expect(emu.stats().jobs.find((job) => job.id === edit.id)!.source).toEqual({ kind: 'edit', video_id: source.id });
  });

  it('extends a video: its seconds the stitched total', async () => {
    const source = await client.create({ prompt: 'A canoe', model: 'sora-2', size: '1280x720', seconds: '4' });
    await completed(source.id);
    const extension = await client.extend(source.id, 'The canoe reaches the shore', '8');
    expect(extension.seconds).toBe('12');
    expect(extension.prompt).toBe('The canoe reaches the shore');
    expect(emu.stats().jobs.find((job) => job.id === extension.id)!.source).toEqual({ kind: 'extension', video_id: source.id });
  });

  it('makes a character, reads it back, and casts it on a create', async () => {
    const character = await client.createCharacter({ bytes: await encodeClip(3), fileName: 'ember.mp4' }, 'Ember the fox');
    expect(character.id).toMatch(/^char_[0-9a-f]+$/);
    expect(character.name).toBe('Ember the fox');
    expect(character.createdAt).toEqual(expect.any(Number));
    expect(await client.getCharacter(character.id)).toEqual(character);
    const cast = await client.create({ prompt: 'Ember the fox leaps a stream', model: 'sora-2', size: '1280x720', seconds: '4', characters: [character.id] });
    expect(emu.stats().jobs.find((job) => job.id === cast.id)!.characters).toEqual([character.id]);
  });

  it("surfaces the server's refusals as typed errors, and refuses a malformed id before sending", async () => {
    await expect(client.extend('video_gone', 'p', '4')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.getCharacter('char_gone')).rejects.toBeInstanceOf(NotFoundError);
    const before = emu.stats().requestsByRoute;
    await expect(client.getCharacter('../videos')).rejects.toThrow(/not a character id/);
    await expect(client.edit('../x', 'p')).rejects.toThrow(/not a video id/);
    expect(emu.stats().requestsByRoute).toEqual(before);
  });
});

describe('profiles without them', () => {
  it('leaves the capabilities out and refuses the calls before sending anything', async () => {
    const bare: ProviderProfile = { ...emulatorProfile, features: { ...emulatorProfile.features, edit: false, extend: false, characters: 0 } };
    const protocol = createOpenAiVideosProtocol({ profile: bare, baseUrl: 'http://127.0.0.1:9/v1', apiKey: null });
    expect(protocol.edit).toBeUndefined();
    expect(protocol.extend).toBeUndefined();
    expect(protocol.createCharacter).toBeUndefined();
    const client = createVideosClient({ profile: bare, baseUrl: 'http://127.0.0.1:9/v1', apiKey: null });
    await expect(client.edit('video_1', 'p')).rejects.toBeInstanceOf(UnsupportedFeatureError);
    await client.close();
    await protocol.close();
  });
});

describe('an edit whose answer never comes', () => {
  it('is an unknown outcome naming the source, never sent again', async () => {
    const server = await startServer((_req, res) => void setTimeout(() => sendJson(res, 200, wireVideo({})), 2000));
    const client = createVideosClient({ profile: emulatorProfile, baseUrl: server.baseUrl, apiKey: null, timeoutMs: 200 });
    try {
      const error = await client.edit('video_src', 'p').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CreateOutcomeUnknownError);
      expect((error as CreateOutcomeUnknownError).request).toMatchObject({ kind: 'edit', remixOf: 'video_src', prompt: 'p' });
      expect(server.seen.filter((s) => s.method === 'POST')).toHaveLength(1);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
