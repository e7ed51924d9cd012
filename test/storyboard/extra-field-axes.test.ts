import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { EXTRA_FIELDS, autoSeed, extraAxisValue } from '../../src/storyboard/extra-fields.js';
import { readMp4 } from '../emulator/helpers.js';
import { runCli } from '../helpers/cli.js';
import { readLock } from '../render/helpers.js';

/**
 * A variant axis named like an extra request field sets it per job: a seed sweep makes real
 * takes on servers that take a seed (vLLM-Omni), where identical requests would give identical
 * videos.
 */

describe('variant axes named like extra request fields', () => {
  it('accept exactly the values the schema accepts for the field', async () => {
    const schema = JSON.parse(await readFile(new URL('../../schemas/storyboard.schema.json', import.meta.url), 'utf8')) as {
      $defs: Record<string, { errorMessage?: string }>;
    };
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema(schema, 'storyboard');
    const defs: Record<string, string> = {
      seed: 'seed',
      num_frames: 'numFrames',
      fps: 'fps',
      negative_prompt: 'negativePrompt',
      num_inference_steps: 'numInferenceSteps',
      guidance_scale: 'guidanceScale',
      generate_audio: 'generateAudio',
    };
    const samples = [
      -1,
      0,
      1,
      1.5,
      16,
      33,
      100,
      100.5,
      101,
      240,
      241,
      1000,
      1001,
      100_000,
      100_001,
      2_147_483_647,
      2_147_483_648,
      'auto',
      '',
      'blurry',
      'x'.repeat(32_001),
      true,
      false,
      'true',
      null,
      [1],
      { a: 1 },
    ];
    for (const field of EXTRA_FIELDS) {
      const bySchema = ajv.compile({ $ref: `storyboard#/$defs/${defs[field]}` });
      for (const value of samples) {
        const checked = extraAxisValue(field, value, 'job');
        expect('value' in checked, `${field}: ${JSON.stringify(value)?.slice(0, 20)}`).toBe(bySchema(value));
        // A refused value says what the field's schema says it expects.
        if ('expected' in checked) expect(`expected ${checked.expected}`).toBe(schema.$defs[defs[field]!]!.errorMessage);
      }
    }
  });

  it('a seed sweep renders one take per seed on vLLM-Omni, each seed sent, recorded and fingerprinted', async ({ onTestFinished }) => {
    const emu = await startEmulator({ speed: 1000, fps: 4, flavor: 'vllm-omni' });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-seeds-'));
    onTestFinished(() => emu.close());
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      path.join(dir, 'takes.yaml'),
      [
        'version: 1',
        'name: takes',
        'provider: {profile: vllm-omni, min_poll_ms: 20}',
        'defaults: {size: 832x480, seconds: 2}',
        'shots:',
        '  - id: wave',
        '    prompt: A wave breaks on a rock, take {{seed}}',
        '    variants:',
        '      seed: [7, 8, auto]',
        '',
      ].join('\n'),
    );
    const run = await runCli(['render', 'takes.yaml', '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    expect(run.code, run.stderr).toBe(0);

    const lock = await readLock(dir, 'takes.yaml');
    expect(Object.keys(lock.jobs)).toEqual(['wave[seed=7]', 'wave[seed=8]', 'wave[seed=auto]']);
    expect(Object.values(lock.jobs).map((entry) => entry.request.extra?.['seed'])).toEqual([7, 8, autoSeed('wave[seed=auto]')]);
    // What the server got, job by job: the seed of each take.
    expect(
      emu
        .stats()
        .jobs.map((job) => job.extra?.['seed'])
        .sort(),
    ).toEqual([7, 8, autoSeed('wave[seed=auto]')].sort());
    expect(new Set(Object.values(lock.jobs).map((entry) => entry.fingerprint)).size).toBe(3);

    // Another seed is another take: only it renders.
    await writeFile(path.join(dir, 'takes.yaml'), (await readFile(path.join(dir, 'takes.yaml'), 'utf8')).replace('[7, 8, auto]', '[7, 8, 9, auto]'));
    const plan = await runCli(['plan', 'takes.yaml', '--base-url', emu.url, '--json'], { cwd: dir });
    const actions = plan
      .events()
      .filter((e) => e['event'] === 'plan.job')
      .map((e) => `${String(e['id'])} ${String(e['action'])}`);
    expect(actions).toEqual(['wave[seed=7] reuse', 'wave[seed=8] reuse', 'wave[seed=9] render', 'wave[seed=auto] reuse']);
  });

  it("an audio axis on fal's Veo makes two takes, one silent: generate_audio sent as a boolean, recorded, fingerprinted and priced", async ({
    onTestFinished,
  }) => {
    const KEY = 'audio-axis-key-0123456789';
    const emu = await startEmulator({ speed: 1000, fps: 4, flavor: 'fal', apiKey: KEY, createsPerMinute: null });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-audio-'));
    onTestFinished(() => emu.close());
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      path.join(dir, 'takes.yaml'),
      [
        'version: 1',
        'name: takes',
        'provider: {profile: fal, min_poll_ms: 20}',
        'defaults: {model: fal-ai/veo3/fast, size: 1280x720, seconds: 4}',
        'shots:',
        '  - id: pond',
        '    prompt: A quiet pond',
        '    variants:',
        '      generate_audio: [true, false]',
        '',
      ].join('\n'),
    );
    const env = { FAL_KEY: KEY };
    // Veo 3 Fast on fal: $0.15 a second with sound, $0.10 without.
    const plan = await runCli(['plan', 'takes.yaml', '--base-url', emu.url, '--json'], { cwd: dir, env });
    expect(plan.code, plan.stderr).toBe(0);
    const costs = plan
      .events()
      .filter((e) => e['event'] === 'plan.job')
      .map((e) => `${String(e['id'])} ${String(e['cost_usd'])}`);
    expect(costs).toEqual(['pond[generate_audio=true] 0.6', 'pond[generate_audio=false] 0.4']);

    const run = await runCli(['render', 'takes.yaml', '--base-url', emu.url, '--json'], { cwd: dir, env, now: () => Date.now() });
    expect(run.code, run.stderr).toBe(0);
    const lock = await readLock(dir, 'takes.yaml');
    // The lockfile keeps its jobs sorted by id.
    expect(Object.keys(lock.jobs)).toEqual(['pond[generate_audio=false]', 'pond[generate_audio=true]']);
    expect(Object.values(lock.jobs).map((entry) => entry.request.extra)).toEqual([{ generate_audio: false }, { generate_audio: true }]);
    expect(new Set(Object.values(lock.jobs).map((entry) => entry.fingerprint)).size).toBe(2);
    // The emulator makes sound unless generate_audio is the boolean false: the silent take has no audio track.
    const audio = await Promise.all(
      Object.values(lock.jobs).map(async (entry) => (await readMp4(await readFile(path.join(dir, entry.outputs.video!.path)))).audioCodec !== null),
    );
    expect(audio).toEqual([false, true]);

    // The booleans come back from the lockfile as they went in: both takes are reused.
    const again = await runCli(['plan', 'takes.yaml', '--base-url', emu.url, '--json'], { cwd: dir, env });
    expect(
      again
        .events()
        .filter((e) => e['event'] === 'plan.job')
        .map((e) => `${String(e['id'])} ${String(e['action'])}`),
    ).toEqual(['pond[generate_audio=true] reuse', 'pond[generate_audio=false] reuse']);
  });
});
