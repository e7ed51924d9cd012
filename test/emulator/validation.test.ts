import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { ENVELOPE_KEYS, makeImage, postJson, requestJson, startTestEmulator, withTempDir } from './helpers.js';

interface Rejection {
  name: string;
  body: Record<string, unknown>;
  message: string;
  param: string | null;
  code: string | null;
}

const REJECTED: Rejection[] = [
  {
    name: 'seconds outside the enum',
    body: { prompt: 'p', seconds: '10' },
    message: "Invalid value: '10'. Supported values are: '4', '8', and '12'.",
    param: 'seconds',
    code: 'invalid_value',
  },
  {
    name: 'seconds as a number outside the enum',
    body: { prompt: 'p', seconds: 15 },
    message: "Invalid value: '15'. Supported values are: '4', '8', and '12'.",
    param: 'seconds',
    code: 'invalid_value',
  },
  {
    name: 'guide-2026 seconds without the switch',
    body: { prompt: 'p', seconds: '16' },
    message: "Invalid value: '16'. Supported values are: '4', '8', and '12'.",
    param: 'seconds',
    code: 'invalid_value',
  },
  {
    name: 'a pro size on sora-2',
    body: { prompt: 'p', size: '1024x1792' },
    message: "Invalid value: '1024x1792'. Supported values are: '720x1280' and '1280x720'.",
    param: 'size',
    code: 'invalid_value',
  },
  {
    name: '1080p on sora-2-pro',
    body: { prompt: 'p', model: 'sora-2-pro', size: '1920x1080' },
    message: "Invalid value: '1920x1080'. Supported values are: '720x1280', '1280x720', '1024x1792', and '1792x1024'.",
    param: 'size',
    code: 'invalid_value',
  },
  {
    name: 'an unknown model',
    body: { prompt: 'p', model: 'sora-3' },
    message: "Invalid value: 'sora-3'. Supported values are: 'sora-2', 'sora-2-pro', 'sora-2-2025-10-06', 'sora-2-pro-2025-10-06', and 'sora-2-2025-12-08'.",
    param: 'model',
    code: 'invalid_value',
  },
  { name: 'no prompt', body: { model: 'sora-2' }, message: "Missing required parameter: 'prompt'.", param: 'prompt', code: 'missing_required_parameter' },
  {
    name: 'an empty prompt',
    body: { prompt: '' },
    message: "Invalid 'prompt': string too short. Expected a string with minimum length 1, but got an empty string instead.",
    param: 'prompt',
    code: 'string_below_min_length',
  },
  {
    name: 'a prompt over 32000 characters',
    body: { prompt: 'x'.repeat(32_001) },
    message: "Invalid 'prompt': string too long. Expected a string with maximum length 32000, but got a string with length 32001 instead.",
    param: 'prompt',
    code: 'string_above_max_length',
  },
  {
    name: 'a prompt that is not a string',
    body: { prompt: 42 },
    message: "Invalid type for 'prompt': expected a string, but got an integer instead.",
    param: 'prompt',
    code: 'invalid_type',
  },
  {
    name: 'input_reference as a string',
    body: { prompt: 'p', input_reference: 'https://example.com/a.png' },
    message: "Invalid type for 'input_reference': expected a file, but got a string instead.",
    param: 'input_reference',
    code: 'invalid_type',
  },
  {
    name: 'input_reference with both keys',
    body: { prompt: 'p', input_reference: { image_url: 'data:image/png;base64,AA==', file_id: 'file-1' } },
    message: "Invalid 'input_reference': provide exactly one of 'image_url' or 'file_id'.",
    param: 'input_reference',
    code: 'invalid_value',
  },
  {
    name: 'an unknown file id',
    body: { prompt: 'p', input_reference: { file_id: 'file-123' } },
    message: 'No such File object: file-123',
    param: 'input_reference.file_id',
    code: null,
  },
  {
    name: 'bytes that are not an image',
    body: { prompt: 'p', input_reference: { image_url: `data:image/png;base64,${Buffer.from('GIF89a not really').toString('base64')}` } },
    message: "Invalid file format for 'input_reference'. Supported formats are: 'image/jpeg', 'image/png', and 'image/webp'.",
    param: 'input_reference',
    code: 'invalid_image_format',
  },
  { name: 'an unknown field', body: { prompt: 'p', quality: 'high' }, message: "Unknown parameter: 'quality'.", param: 'quality', code: 'unknown_parameter' },
];

describe('create validation: the real API messages, in the error envelope', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    // Valid creates pile up here; the in-flight limit has its own tests.
    emu = await startTestEmulator({ inFlightLimit: 100 });
  });
  afterAll(() => emu.close());

  it.each(REJECTED)('rejects $name', async ({ body, message, param, code }) => {
    const response = await postJson(`${emu.url}/videos`, body);
    expect(response.status).toBe(400);
    expect(Object.keys(response.body.error).sort()).toEqual(ENVELOPE_KEYS);
    expect(response.body.error).toEqual({ message, type: 'invalid_request_error', param, code });
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('rejects an image of the wrong pixel size, in JSON and in multipart, and accepts the right size', async () => {
    await withTempDir(async (dir) => {
      const wrong = await makeImage(640, 360, 'jpg', dir);
      const json = await postJson(`${emu.url}/videos`, { prompt: 'p', input_reference: { image_url: `data:image/jpeg;base64,${wrong.toString('base64')}` } });
      expect(json.status).toBe(400);
      expect(json.body.error).toEqual({
        message: 'Inpaint image must match the requested width and height',
        type: 'invalid_request_error',
        param: null,
        code: null,
      });

      const form = new FormData();
      form.set('prompt', 'p');
      form.set('input_reference', new Blob([wrong], { type: 'image/jpeg' }), 'wrong.jpg');
      const multipart = await requestJson(`${emu.url}/videos`, { method: 'POST', body: form });
      expect(multipart.body.error.message).toBe('Inpaint image must match the requested width and height');

      const right = await makeImage(720, 1280, 'webp', dir);
      const ok = await postJson(`${emu.url}/videos`, { prompt: 'p', input_reference: { image_url: `data:image/webp;base64,${right.toString('base64')}` } });
      expect(ok.status).toBe(200);
    });
  });

  it('treats a multipart input_reference text field as a string, as the real API does', async () => {
    const form = new FormData();
    form.set('prompt', 'p');
    form.set('input_reference', 'not-a-file');
    const response = await requestJson(`${emu.url}/videos`, { method: 'POST', body: form });
    expect(response.body.error.message).toBe("Invalid type for 'input_reference': expected a file, but got a string instead.");
  });

  it('fills the defaults and reads bracketed multipart keys', async () => {
    const form = new FormData();
    form.set('prompt', 'Defaults please');
    form.set('input_reference[file_id]', 'file-abc');
    const bracketed = await requestJson(`${emu.url}/videos`, { method: 'POST', body: form });
    expect(bracketed.body.error).toMatchObject({ message: 'No such File object: file-abc', param: 'input_reference.file_id' });

    const plain = await postJson(`${emu.url}/videos`, { prompt: 'Defaults please' });
    expect(plain.body).toMatchObject({ model: 'sora-2', size: '720x1280', seconds: '4' });
  });

  it('answers malformed JSON, unknown paths and unknown ids with the envelope', async () => {
    const malformed = await requestJson(`${emu.url}/videos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/^We could not parse the JSON body of your request\./);

    const unknownPath = await requestJson(`${emu.url}/images`);
    expect(unknownPath.status).toBe(404);
    expect(unknownPath.body.error).toEqual({ message: 'Invalid URL (GET /v1/images)', type: 'invalid_request_error', param: null, code: null });

    const unknownId = await requestJson(`${emu.url}/videos/video_${'0'.repeat(48)}`);
    expect(unknownId.status).toBe(404);
    expect(unknownId.body.error.type).toBe('invalid_request_error');
  });

  it('ignores headers it does not know, as the SDKs send X-Stainless-*', async () => {
    const response = await requestJson(`${emu.url}/videos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-stainless-retry-count': '0', 'openai-organization': 'org-1' },
      body: JSON.stringify({ prompt: 'headers' }),
    });
    expect(response.status).toBe(200);
  });
});

describe('options that change the contract', () => {
  it('guide-2026 mode allows 16 and 20 seconds and 1080p for sora-2-pro only', async () => {
    const emu = await startTestEmulator({ guide2026: true, inFlightLimit: 10 });
    try {
      expect((await postJson(`${emu.url}/videos`, { prompt: 'p', seconds: '20', model: 'sora-2-pro', size: '1080x1920' })).status).toBe(200);
      const sora2 = await postJson(`${emu.url}/videos`, { prompt: 'p', size: '1920x1080' });
      expect(sora2.body.error.message).toBe("Invalid value: '1920x1080'. Supported values are: '720x1280' and '1280x720'.");
    } finally {
      await emu.close();
    }
  });

  it('requires the bearer key when one is set, without echoing what was sent', async () => {
    const emu = await startTestEmulator({ apiKey: 'sk-right' });
    try {
      const missing = await requestJson(`${emu.url}/videos`);
      expect(missing.status).toBe(401);
      expect(Object.keys(missing.body.error).sort()).toEqual(ENVELOPE_KEYS);
      const wrong = await requestJson(`${emu.url}/videos`, { headers: { authorization: 'Bearer sk-wrong-secret' } });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('invalid_api_key');
      expect(JSON.stringify(wrong.body)).not.toContain('sk-wrong-secret');
      const right = await requestJson(`${emu.url}/videos`, { headers: { authorization: 'Bearer sk-right' } });
      expect(right.status).toBe(200);
    } finally {
      await emu.close();
    }
  });
});
