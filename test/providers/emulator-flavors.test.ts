import { describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { requestJson, waitForStatus } from '../emulator/helpers.js';

/** Each flavor's documented differences from the contract (reference §12, §14), checked over HTTP. */

async function flavored(options: EmulatorOptions, onTestFinished: (fn: () => Promise<void>) => void) {
  const emu = await startEmulator({ fps: 4, ...options });
  onTestFinished(() => emu.close());
  return emu;
}

function form(fields: Record<string, string>): FormData {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  return body;
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe.concurrent('emulator flavors', () => {
  it('vllm-omni: multipart only, video_gen_ ids, 0-then-100 progress, a serial queue with no 429, 404 content while running, no remix, cancelling DELETE, /v1/models', async ({
    onTestFinished,
  }) => {
    const emu = await flavored({ flavor: 'vllm-omni', speed: 5 }, onTestFinished);
    const refused = await requestJson(`${emu.url}/videos`, json({ prompt: 'a cat' }));
    expect(refused.status).toBe(415);
    expect(refused.body.error).toMatchObject({ type: 'Unsupported Media Type', code: 415 });

    const created = [];
    for (const prompt of ['one', 'two', 'three']) {
      const res = await requestJson(`${emu.url}/videos`, { method: 'POST', body: form({ prompt, size: '832x480', seconds: '2', seed: '9' }) });
      expect(res.status).toBe(200);
      created.push(res.body);
    }
    expect(created[0].id).toMatch(/^video_gen_[0-9a-f]{32}$/);
    expect(emu.stats().jobs[0]!.extra).toEqual({ seed: 9 });
    // Serial: the third waits in the queue behind the other two.
    const third = await requestJson(`${emu.url}/videos/${created[2].id}`);
    expect([third.body.status, third.body.progress]).toEqual(['queued', 0]);
    const content = await requestJson(`${emu.url}/videos/${created[2].id}/content`);
    expect([content.status, content.body.error.message]).toEqual([404, 'Generation is still in-progress']);
    expect((await requestJson(`${emu.url}/videos/${created[0].id}/remix`, { method: 'POST', body: form({ prompt: 'x' }) })).status).toBe(404);
    expect((await requestJson(`${emu.url}/models`)).body.data.map((m: { id: string }) => m.id)).toEqual(['Wan-AI/Wan2.2-T2V-A14B-Diffusers']);
    // A queued job is cancelled at once.
    expect((await requestJson(`${emu.url}/videos/${created[2].id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await requestJson(`${emu.url}/videos/${created[2].id}`)).status).toBe(404);
    const wrongModel = await requestJson(`${emu.url}/videos`, { method: 'POST', body: form({ prompt: 'x', model: 'other' }) });
    expect(wrongModel.status).toBe(404);
    const done = await waitForStatus(emu, created[0].id);
    expect([done.status, done.progress, done.expires_at]).toEqual(['completed', 100, null]);
    expect(emu.stats().createsRejected429).toBe(0);
  });

  it('vllm-omni: a running job answers DELETE with 409 until the abort is through; a failed job is GET with a non-2xx whose body is the job, its content 422', async ({
    onTestFinished,
  }) => {
    const emu = await flavored({ flavor: 'vllm-omni', speed: 20, faults: { moderation: { failPattern: 'forbidden' } } }, onTestFinished);
    const running = (await requestJson(`${emu.url}/videos`, { method: 'POST', body: form({ prompt: 'long one', size: '832x480', seconds: '8' }) })).body;
    await waitForStatus(emu, running.id, 'in_progress');
    expect((await requestJson(`${emu.url}/videos/${running.id}`, { method: 'DELETE' })).status).toBe(409);
    expect((await requestJson(`${emu.url}/videos/${running.id}`, { method: 'DELETE' })).status).toBe(200);

    const failing = (await requestJson(`${emu.url}/videos`, { method: 'POST', body: form({ prompt: 'forbidden thing', size: '832x480', seconds: '2' }) })).body;
    let res = await requestJson(`${emu.url}/videos/${failing.id}`);
    for (let i = 0; i < 400 && res.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      res = await requestJson(`${emu.url}/videos/${failing.id}`);
    }
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ id: failing.id, status: 'failed', error: { code: 500 } });
    expect((await requestJson(`${emu.url}/videos/${failing.id}/content`)).status).toBe(422);
  });

  it('litellm: model required, base64 ids, processing while running, listing needs the provider hint, no DELETE route', async ({ onTestFinished }) => {
    const emu = await flavored({ flavor: 'litellm', speed: 1 }, onTestFinished);
    const missing = await requestJson(`${emu.url}/videos`, json({ prompt: 'a cat' }));
    expect([missing.status, missing.body.error.param]).toEqual([400, 'model']);
    const created = (await requestJson(`${emu.url}/videos`, json({ prompt: 'a cat', model: 'veo-3', size: '1280x720', seconds: '4', extra_body: { seed: 3 } })))
      .body;
    expect(created.id).toMatch(/^video_[A-Za-z0-9+/]+=+$/);
    expect(emu.stats().jobs[0]!.extra).toEqual({ seed: 3 });
    const running = await waitForStatus(emu, encodeURIComponent(created.id), 'processing');
    expect(running.id).toBe(created.id);
    expect((await requestJson(`${emu.url}/videos`)).status).toBe(400);
    expect((await requestJson(`${emu.url}/videos?custom_llm_provider=openai`)).body.data).toHaveLength(1);
    expect((await requestJson(`${emu.url}/videos`, { headers: { 'custom-llm-provider': 'openai' } })).status).toBe(200);
    expect((await requestJson(`${emu.url}/videos/${encodeURIComponent(created.id)}`, { method: 'DELETE' })).status).toBe(405);
  });

  it('azure: /openai/v1 only, api-key or bearer, Azure error shape, the deployment as model (answered as sora-2), 2 creates a minute', async ({
    onTestFinished,
  }) => {
    const emu = await flavored({ flavor: 'azure', speed: 1000, apiKey: 'k', deployments: { prod: 'sora-2' }, inFlightLimit: 10 }, onTestFinished);
    expect(emu.url).toMatch(/\/openai\/v1$/);
    const wrongPath = await requestJson(emu.url.replace('/openai/v1', '/v1/videos'), { headers: { 'api-key': 'k' } });
    expect([wrongPath.status, wrongPath.body]).toEqual([404, { error: { code: '404', message: 'Resource not found' } }]);
    expect((await requestJson(`${emu.url}/videos`, { headers: { 'api-key': 'nope' } })).status).toBe(401);
    const unknown = await requestJson(`${emu.url}/videos`, json({ prompt: 'a', model: 'sora-2' }, { 'api-key': 'k' }));
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'DeploymentNotFound']);
    const first = await requestJson(`${emu.url}/videos`, json({ prompt: 'a', model: 'prod', size: '1280x720' }, { 'api-key': 'k' }));
    expect([first.status, first.body.model, first.headers.get('apim-request-id') !== null]).toEqual([200, 'sora-2', true]);
    expect((await requestJson(`${emu.url}/videos`, json({ prompt: 'b', model: 'prod' }, { authorization: 'Bearer k' }))).status).toBe(200);
    const third = await requestJson(`${emu.url}/videos`, json({ prompt: 'c', model: 'prod' }, { 'api-key': 'k' }));
    expect(third.status).toBe(429);
    expect(Object.keys(third.body.error).sort()).toEqual(['code', 'message']);
    expect(third.body.error.message).toContain('rate limit of 2 per minute');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    emu.advanceClock(61);
    expect((await requestJson(`${emu.url}/videos`, json({ prompt: 'c', model: 'prod' }, { 'api-key': 'k' }))).status).toBe(200);
  });
});
