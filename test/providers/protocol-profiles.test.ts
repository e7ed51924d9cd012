import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../helpers/cli.js';
import { builtinProfiles } from '../../src/providers/builtin.js';
import { authHeaderOf } from '../../src/providers/auth-header.js';
import { credentialFor, keyFor } from '../../src/providers/credentials.js';
import { profileNotes, summarizeProfile } from '../../src/providers/describe-profile.js';
import { PROTOCOLS } from '../../src/providers/protocol.js';
import { videoIdFormOf } from '../../src/providers/profile.js';
import { isVideoId } from '../../src/providers/video-id.js';

/** The built-in profiles of the protocols beyond `/v1/videos` (SPEC §10), as data. */

const PROTOCOL_OF: Readonly<Record<string, string>> = {
  emulator: 'openai-videos',
  veo: 'gemini',
  fal: 'fal',
  replicate: 'replicate',
  'vllm-omni': 'openai-videos',
  litellm: 'openai-videos',
  openai: 'openai-videos',
  azure: 'openai-videos',
};

describe('protocol profiles', () => {
  it('every built-in profile names its protocol', () => {
    expect(Object.fromEntries(Object.values(builtinProfiles).map((p) => [p.name, p.protocol]))).toEqual(PROTOCOL_OF);
    for (const profile of Object.values(builtinProfiles)) expect(PROTOCOLS).toContain(profile.protocol);
  });

  it('the retired services are marked, and listed last', () => {
    expect(
      Object.values(builtinProfiles)
        .filter((p) => p.retired)
        .map((p) => [p.name, p.retired!.date]),
    ).toEqual([
      ['openai', '2026-09-24'],
      ['azure', '2026-09-15'],
    ]);
    expect(Object.keys(builtinProfiles).slice(-2)).toEqual(['openai', 'azure']);
    expect(summarizeProfile(builtinProfiles['openai']!, 'built-in')).toMatchObject({ retired: '2026-09-24', retired_note: expect.stringContaining('shut') });
    expect(profileNotes(builtinProfiles['azure']!)[0]).toContain('provider "azure" is retired (Azure retired sora-2 on 2026-09-15)');
    expect(profileNotes(builtinProfiles['veo']!).some((note) => note.includes('retired'))).toBe(false);
  });

  for (const name of ['veo', 'fal', 'replicate']) {
    const profile = builtinProfiles[name]!;
    it(`${name}: no remix; every model's sizes and seconds have their request fields, and its default job is one it makes`, () => {
      expect(profile.features.remix).toBe(false);
      expect(Object.keys(profile.models).length).toBeGreaterThanOrEqual(3);
      for (const [model, entry] of Object.entries(profile.models)) {
        const request = entry.request!;
        expect(Object.keys(request.sizeFields), model).toEqual(entry.sizes);
        expect(Object.keys(request.secondsFields), model).toEqual(entry.seconds);
        for (const [size, seconds] of Object.entries(entry.secondsBySize ?? {})) {
          expect(entry.sizes, model).toContain(size);
          for (const s of seconds) expect(entry.seconds, model).toContain(s);
        }
        for (const field of Object.keys(request.extraFields)) expect(profile.extraFields.allowed, `${model} ${field}`).toContain(field);
      }
      const fallback = profile.models[profile.defaultModel!]!;
      expect(fallback.sizes).toContain(profile.defaults.size);
      expect(fallback.seconds).toContain(profile.defaults.seconds);
    });
  }

  it('veo: Veo 3.1 makes 1080p and 4k only at 8 s; Veo 3 makes 1080p in 16:9 only; Veo 2 sends no resolution', () => {
    const { models } = builtinProfiles['veo']!;
    expect(models['veo-3.1-generate-preview']!.secondsBySize).toEqual({ '1920x1080': ['8'], '1080x1920': ['8'], '3840x2160': ['8'], '2160x3840': ['8'] });
    expect(models['veo-3.0-generate-001']!.sizes).toEqual(['1280x720', '720x1280', '1920x1080']);
    expect(models['veo-2.0-generate-001']!.request!.sizeFields).toEqual({ '1280x720': { aspectRatio: '16:9' }, '720x1280': { aspectRatio: '9:16' } });
    expect(models['veo-2.0-generate-001']!.seconds).toEqual(['5', '6', '8']);
  });

  it('each protocol sends its key its own way, from its own variables', () => {
    const headers = Object.fromEntries(
      ['veo', 'fal', 'replicate'].map((name) => [
        name,
        keyFor(builtinProfiles[name]!, { GEMINI_API_KEY: 'g', FAL_KEY: 'f', REPLICATE_API_TOKEN: 'r' })?.headers,
      ]),
    );
    expect(headers).toEqual({ veo: { 'x-goog-api-key': 'g' }, fal: { authorization: 'Key f' }, replicate: { authorization: 'Bearer r' } });
    // The Google SDKs take GOOGLE_API_KEY over GEMINI_API_KEY.
    expect(keyFor(builtinProfiles['veo']!, { GEMINI_API_KEY: 'g', GOOGLE_API_KEY: 'o' })?.value).toBe('o');
    expect(() => keyFor(builtinProfiles['fal']!, {})).toThrow(/provider "fal" needs an API key/);
    expect(authHeaderOf('api-key', 'a')).toEqual({ 'api-key': 'a' });
    expect(authHeaderOf('none', 'a')).toEqual({});
  });

  it("each protocol's key comes from its own variable", () => {
    expect(credentialFor(builtinProfiles['veo']!, { GEMINI_API_KEY: 'g' })?.value).toBe('g');
    expect(credentialFor(builtinProfiles['fal']!, { FAL_KEY: 'f' })?.value).toBe('f');
    expect(credentialFor(builtinProfiles['replicate']!, { REPLICATE_API_TOKEN: 'r' })?.value).toBe('r');
    expect(credentialFor(builtinProfiles['azure']!, { AZURE_OPENAI_AD_TOKEN: 't' })).toEqual({ value: 't', style: 'bearer' });
  });

  it("each protocol's job ids have their own form", () => {
    const veo = videoIdFormOf(builtinProfiles['veo']!);
    expect(isVideoId(veo, 'models/veo-3.0-fast-generate-001/operations/321kvdcepmcg')).toBe(true);
    expect(isVideoId(veo, 'models/../operations/x')).toBe(false);
    expect(isVideoId(veo, 'video_123')).toBe(false);
    // fal's status and result URLs need the app: the id carries it (fal-queue.md §2).
    const fal = videoIdFormOf(builtinProfiles['fal']!);
    expect(isVideoId(fal, 'fal-ai/kling-video/requests/80e732af-660e-45cd-bd63-580e4f2a94cc')).toBe(true);
    expect(isVideoId(fal, 'workflows/fal-ai/my-flow/requests/80e732af-660e-45cd-bd63-580e4f2a94cc')).toBe(true);
    expect(isVideoId(fal, '80e732af-660e-45cd-bd63-580e4f2a94cc')).toBe(false);
    expect(isVideoId(fal, 'fal-ai/../requests/80e732af')).toBe(false);
    expect(isVideoId(videoIdFormOf(builtinProfiles['replicate']!), 'gm3qorzdhgbfurvjtvhg6dckhu')).toBe(true);
  });
});

describe('rendering on a protocol without its key', () => {
  it('stops before anything is sent, naming the variable, without a stack trace', async ({ onTestFinished }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-protocol-render-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'sb.yaml'), 'version: 1\nname: sb\nprovider: veo\nshots:\n  - id: a\n    prompt: x\n');
    const run = await runCli(['render', 'sb.yaml'], { cwd: dir, env: {} });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('provider "veo" needs an API key');
    expect(run.stderr).toContain('GEMINI_API_KEY');
    expect(hasStackTrace(run.stderr)).toBe(false);
  });
});

describe('`shotlist providers` on the protocols', () => {
  it('names each protocol and whether a lost create can be found; the retired say so', async ({ onTestFinished }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-providers-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const run = await runCli(['providers', '--json'], { cwd: dir });
    const byName = Object.fromEntries(
      run
        .events()
        .filter((e) => e['event'] === 'provider')
        .map((e) => [e['name'], e]),
    );
    expect(byName['veo']).toMatchObject({ protocol: 'gemini', finds_lost_creates: false });
    expect(byName['fal']).toMatchObject({ protocol: 'fal', finds_lost_creates: false });
    expect(byName['replicate']).toMatchObject({ protocol: 'replicate', finds_lost_creates: true });
    expect(byName['openai']).toMatchObject({ protocol: 'openai-videos', retired: '2026-09-24' });
    const table = await runCli(['providers'], { cwd: dir });
    expect(table.stdout).toMatch(/^veo\s+built-in\s+gemini\s/m);
    expect(table.stdout).toContain('not created again without --retry-ambiguous');
  });
});
