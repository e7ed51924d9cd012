import { describe, expect, it } from 'vitest';
import type { RunningEmulator, VideoObject } from '../../src/emulator/index.js';
import { makeClip, postJson, requestJson, startTestEmulator, waitForStatus, withTempDir } from './helpers.js';

/**
 * Which flavors serve edits, extensions and characters (reference §14): OpenAI and LiteLLM do;
 * Azure (decision 14) and vLLM-Omni answer 404 in their own error shapes, as for any path they lack.
 */

function form(fields: Record<string, string>): FormData {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.set(key, value);
  return body;
}

async function the2026Routes(emu: RunningEmulator): Promise<Array<{ route: string; status: number; body: any }>> {
  const post = async (path: string) =>
    requestJson(`${emu.url}${path}`, { method: 'POST', body: form({ prompt: 'p', seconds: '4', 'video[id]': 'video_1', name: 'n' }) });
  return [
    { route: 'POST /videos/edits', ...(await post('/videos/edits')) },
    { route: 'POST /videos/extensions', ...(await post('/videos/extensions')) },
    { route: 'POST /videos/characters', ...(await post('/videos/characters')) },
    { route: 'GET /videos/characters/{id}', ...(await requestJson(`${emu.url}/videos/characters/char_1`)) },
  ];
}

describe('the 2026 routes by flavor', () => {
  it('azure: 404 Resource not found, in Azure error shape', async () => {
    const emu = await startTestEmulator({ flavor: 'azure' });
    try {
      for (const { route, status, body } of await the2026Routes(emu)) {
        expect(status, route).toBe(404);
        expect(body, route).toEqual({ error: { code: '404', message: 'Resource not found' } });
      }
      expect(emu.stats().requestsByRoute['unmatched']).toBe(4);
    } finally {
      await emu.close();
    }
  });

  it('vllm-omni: 404 Not Found, in vLLM error shape', async () => {
    const emu = await startTestEmulator({ flavor: 'vllm-omni' });
    try {
      for (const { route, status, body } of await the2026Routes(emu)) {
        expect(status, route).toBe(404);
        expect(body, route).toEqual({ error: { message: 'Not Found', type: 'Not Found', param: null, code: 404 } });
      }
    } finally {
      await emu.close();
    }
  });

  it('litellm: serves all four; character ids carry its routing record; a cast on create is not forwarded', async () => {
    const emu = await startTestEmulator({ flavor: 'litellm', inFlightLimit: 10 });
    try {
      await withTempDir(async (dir) => {
        const source = await waitForStatus(emu, (await postJson<VideoObject>(`${emu.url}/videos`, { prompt: 'p', model: 'sora-2', size: '1280x720' })).body.id);
        const edited = await postJson<VideoObject>(`${emu.url}/videos/edits`, { prompt: 'edited', video: { id: source.id } });
        expect(edited.status).toBe(200);
        expect(edited.body).toMatchObject({ remixed_from_video_id: source.id, model: 'sora-2', size: '1280x720' });
        expect(edited.body.id).toMatch(/^video_[A-Za-z0-9+/=]+$/);
        const extended = await postJson<VideoObject>(`${emu.url}/videos/extensions`, { prompt: 'longer', seconds: '4', video: { id: source.id } });
        expect(extended.status).toBe(200);
        expect(extended.body.seconds).toBe('8');

        const upload = new FormData();
        upload.set('name', 'Mochi');
        upload.set('video', new Blob([await makeClip(1280, 720, 2, dir)]), 'mochi.mp4');
        const character = await requestJson(`${emu.url}/videos/characters`, { method: 'POST', body: upload });
        expect(character.status).toBe(200);
        expect(character.body.id).toMatch(/^character_[A-Za-z0-9+/]+=*$/);
        expect(Buffer.from(character.body.id.slice('character_'.length), 'base64').toString('utf8')).toMatch(
          /^litellm:custom_llm_provider:openai;model_id:;character_id:char_[0-9a-f]{32}$/,
        );
        const fetched = await requestJson(`${emu.url}/videos/characters/${encodeURIComponent(character.body.id)}`);
        expect(fetched.body).toEqual(character.body);

        const cast = await postJson<VideoObject>(`${emu.url}/videos`, { prompt: 'no Mochi here', model: 'sora-2', characters: [{ id: character.body.id }] });
        expect(cast.status).toBe(200);
        expect(emu.stats().jobs.find((job) => job.id === cast.body.id)?.characters).toBeUndefined();
      });
    } finally {
      await emu.close();
    }
  });
});
