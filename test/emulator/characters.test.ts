import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator, VideoObject } from '../../src/emulator/index.js';
import { ENVELOPE_KEYS, makeClip, postJson, requestJson, startTestEmulator, waitForStatus, withTempDir } from './helpers.js';

/**
 * `POST /v1/videos/characters` (multipart only: a `name` and a 2–4 s MP4), `GET
 * /v1/videos/characters/{id}`, and `characters: [{id}]` on a create in guide-2026 mode (at most
 * two, known ids, each name verbatim in the prompt).
 */

let clip: Buffer;

function characterForm(name: string | null, video: Blob | string | null): FormData {
  const form = new FormData();
  if (name !== null) form.set('name', name);
  if (typeof video === 'string') form.set('video', video);
  else if (video !== null) form.set('video', video, 'character.mp4');
  return form;
}

async function createCharacter(emu: RunningEmulator, name: string): Promise<{ id: string; name: string; created_at: number }> {
  const response = await requestJson(`${emu.url}/videos/characters`, { method: 'POST', body: characterForm(name, new Blob([clip], { type: 'video/mp4' })) });
  expect(response.status).toBe(200);
  return response.body;
}

beforeAll(async () => {
  clip = await withTempDir((dir) => makeClip(1280, 720, 3, dir));
});

describe('characters', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ guide2026: true, inFlightLimit: 20 });
  });
  afterAll(() => emu.close());

  it('creates a character from a clip and gets it back: {id, name, created_at} and nothing else', async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const created = await createCharacter(emu, 'Mochi the otter');
    expect(Object.keys(created).sort()).toEqual(['created_at', 'id', 'name']);
    expect(created.id).toMatch(/^char_[0-9a-f]{32}$/);
    expect(created.name).toBe('Mochi the otter');
    expect(Math.abs(created.created_at - nowSeconds)).toBeLessThanOrEqual(5);

    const fetched = await requestJson(`${emu.url}/videos/characters/${created.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created);
    expect(emu.stats().requestsByRoute).toMatchObject({ 'POST /v1/videos/characters': 1, 'GET /v1/videos/characters/{id}': 1 });

    const unknown = await requestJson(`${emu.url}/videos/characters/char_nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ message: "Character with id 'char_nope' not found.", type: 'invalid_request_error', param: null, code: null });
  });

  it('refuses JSON, a missing or oversized name, and a clip that is no MP4 or not 2–4 s long', async () => {
    await withTempDir(async (dir) => {
      const json = await postJson(`${emu.url}/videos/characters`, { name: 'Mochi', video: { id: 'video_1' } });
      expect(json.status).toBe(400);
      expect(json.body.error).toEqual({
        message:
          "Invalid Content-Type header (application/json), expected multipart/form-data. (HINT: If you're using curl, you can pass -H 'Content-Type: multipart/form-data')",
        type: 'invalid_request_error',
        param: null,
        code: null,
      });
      const mp4 = new Blob([clip], { type: 'video/mp4' });
      const cases: Array<{ name: string; form: FormData; error: Record<string, unknown> }> = [
        {
          name: 'no name',
          form: characterForm(null, mp4),
          error: { message: "Missing required parameter: 'name'.", param: 'name', code: 'missing_required_parameter' },
        },
        {
          name: 'an empty name',
          form: characterForm('', mp4),
          error: {
            message: "Invalid 'name': string too short. Expected a string with minimum length 1, but got an empty string instead.",
            param: 'name',
            code: 'string_below_min_length',
          },
        },
        {
          name: 'an 81-character name',
          form: characterForm('x'.repeat(81), mp4),
          error: {
            message: "Invalid 'name': string too long. Expected a string with maximum length 80, but got a string with length 81 instead.",
            param: 'name',
            code: 'string_above_max_length',
          },
        },
        {
          name: 'no video',
          form: characterForm('Mochi', null),
          error: { message: "Missing required parameter: 'video'.", param: 'video', code: 'missing_required_parameter' },
        },
        {
          name: 'a video id instead of a file',
          form: characterForm('Mochi', 'video_123'),
          error: { message: "Invalid type for 'video': expected a file, but got a string instead.", param: 'video', code: 'invalid_type' },
        },
        {
          name: 'bytes that are no MP4',
          form: characterForm('Mochi', new Blob([Buffer.from('GIF89a')])),
          error: { message: "Invalid file format for 'video'. Supported formats are: 'video/mp4'.", param: 'video', code: 'invalid_file_format' },
        },
        {
          name: 'a 1 s clip',
          form: characterForm('Mochi', new Blob([await makeClip(1280, 720, 1, dir)])),
          error: {
            message: expect.stringMatching(/^Invalid 'video': the character video lasts 1\.\d\d seconds; expected from 2 to 4 seconds\.$/),
            param: 'video',
            code: 'invalid_value',
          },
        },
        {
          name: 'a 5 s clip',
          form: characterForm('Mochi', new Blob([await makeClip(1280, 720, 5, dir)])),
          error: { message: expect.stringMatching(/^Invalid 'video': the character video lasts 5\.\d\d seconds/), param: 'video', code: 'invalid_value' },
        },
      ];
      for (const { name, form, error } of cases) {
        const response = await requestJson(`${emu.url}/videos/characters`, { method: 'POST', body: form });
        expect(response.status, name).toBe(400);
        expect(Object.keys(response.body.error).sort(), name).toEqual(ENVELOPE_KEYS);
        expect(response.body.error, name).toEqual({ type: 'invalid_request_error', ...error });
      }
    });
  });

  it('casts up to two characters on a create, in JSON, in a form and as character_ids', async () => {
    const mochi = await createCharacter(emu, 'Mochi');
    const pip = await createCharacter(emu, 'Pip');
    const json = await postJson<VideoObject>(`${emu.url}/videos`, { prompt: 'Mochi and Pip share a pear', characters: [{ id: mochi.id }, { id: pip.id }] });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ object: 'video', prompt: 'Mochi and Pip share a pear', seconds: '4' });
    expect(Object.keys(json.body)).not.toContain('characters'); // the Video object has no such field
    expect((await waitForStatus(emu, json.body.id)).status).toBe('completed');

    const form = new FormData();
    form.set('prompt', 'Pip alone on the pier');
    form.set('characters[][id]', pip.id);
    const multipart = await requestJson<VideoObject>(`${emu.url}/videos`, { method: 'POST', body: form });
    expect(multipart.status).toBe(200);

    const legacy = await postJson<VideoObject>(`${emu.url}/videos`, { prompt: 'Mochi dives', character_ids: [mochi.id] });
    expect(legacy.status).toBe(200);

    const jobs = emu.stats().jobs;
    expect(jobs.find((job) => job.id === json.body.id)?.characters).toEqual([mochi.id, pip.id]);
    expect(jobs.find((job) => job.id === multipart.body.id)?.characters).toEqual([pip.id]);
    expect(jobs.find((job) => job.id === legacy.body.id)?.characters).toEqual([mochi.id]);
    // The cast is part of the request: the same prompt without it is another render.
    const plain = await postJson<VideoObject>(`${emu.url}/videos`, { prompt: 'Mochi dives' });
    expect(emu.stats().jobs.find((job) => job.id === plain.body.id)?.request_hash).not.toBe(jobs.find((job) => job.id === legacy.body.id)?.request_hash);
  });

  it('refuses a third character, an unknown id, a name missing from the prompt, and both fields at once', async () => {
    const mochi = await createCharacter(emu, 'Mochi');
    const cases: Array<{ name: string; body: Record<string, unknown>; error: Record<string, unknown> }> = [
      {
        name: 'three characters',
        body: { prompt: 'Mochi', characters: [{ id: mochi.id }, { id: mochi.id }, { id: mochi.id }] },
        error: {
          message: "Invalid 'characters': array too long. Expected an array with maximum length 2, but got an array with length 3 instead.",
          param: 'characters',
          code: 'array_above_max_length',
        },
      },
      {
        name: 'an unknown id',
        body: { prompt: 'Mochi', characters: [{ id: mochi.id }, { id: 'char_unknown' }] },
        error: { message: "Character with id 'char_unknown' not found.", param: 'characters[1].id', code: 'invalid_value' },
      },
      {
        name: 'a name not in the prompt',
        body: { prompt: 'An otter swims', characters: [{ id: mochi.id }] },
        error: {
          message: `Invalid 'prompt': it does not mention the character 'Mochi' (${mochi.id}). Use each character's name verbatim in the prompt.`,
          param: 'prompt',
          code: 'invalid_value',
        },
      },
      {
        name: 'a name in another case',
        body: { prompt: 'MOCHI swims', characters: [{ id: mochi.id }] },
        error: { message: expect.stringContaining("does not mention the character 'Mochi'"), param: 'prompt', code: 'invalid_value' },
      },
      {
        name: 'ids as bare strings',
        body: { prompt: 'Mochi', characters: [mochi.id] },
        error: { message: "Invalid type for 'characters[0]': expected an object, but got a string instead.", param: 'characters[0]', code: 'invalid_type' },
      },
      {
        name: 'both fields',
        body: { prompt: 'Mochi', characters: [{ id: mochi.id }], character_ids: [mochi.id] },
        error: { message: "Provide either 'characters' or 'character_ids', not both.", param: 'character_ids', code: 'invalid_value' },
      },
    ];
    for (const { name, body, error } of cases) {
      const response = await postJson(`${emu.url}/videos`, body);
      expect(response.status, name).toBe(400);
      expect(response.body.error, name).toEqual({ type: 'invalid_request_error', ...error });
    }
  });

  it('keeps characters in the state directory across a restart', async () => {
    await withTempDir(async (stateDir) => {
      const first = await startTestEmulator({ stateDir, guide2026: true });
      const created = await createCharacter(first, 'Juniper');
      await first.close();
      const second = await startTestEmulator({ stateDir, guide2026: true });
      try {
        expect((await requestJson(`${second.url}/videos/characters/${created.id}`)).body).toEqual(created);
        expect((await postJson(`${second.url}/videos`, { prompt: 'Juniper waves', characters: [{ id: created.id }] })).status).toBe(200);
      } finally {
        await second.close();
      }
    });
  });
});

describe('characters without guide-2026 mode', () => {
  it('serves the character routes (they are in the contract) but refuses the create field (decision 7)', async () => {
    const emu = await startTestEmulator();
    try {
      const created = await createCharacter(emu, 'Mochi');
      const response = await postJson(`${emu.url}/videos`, { prompt: 'Mochi swims', characters: [{ id: created.id }] });
      expect(response.status).toBe(400);
      expect(response.body.error).toEqual({
        message: "Unknown parameter: 'characters'.",
        type: 'invalid_request_error',
        param: 'characters',
        code: 'unknown_parameter',
      });
    } finally {
      await emu.close();
    }
  });
});
