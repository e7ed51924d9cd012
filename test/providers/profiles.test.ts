import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, type JobRequest } from '../../src/lockfile/fingerprint.js';
import { builtinProfiles, openaiProfile } from '../../src/providers/builtin.js';
import { profileNotes, summarizeProfile } from '../../src/providers/describe-profile.js';
import type { ModelProfile } from '../../src/providers/profile.js';
import { autoSeed } from '../../src/storyboard/extra-fields.js';
import { runCli } from '../helpers/cli.js';

/** Provider profiles as data: what validation refuses before anything is sent, the project's own profiles, `shotlist providers`. */

async function project(files: Record<string, string>, onTestFinished: (fn: () => Promise<void>) => void): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-profiles-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const INVALID: readonly { name: string; yaml: string; at: string; message: string }[] = [
  {
    name: 'a seed on the emulator',
    yaml: 'provider: emulator\nshots:\n  - id: a\n    prompt: x\n    seed: 4\n',
    at: 'sb.yaml:7:5',
    message: 'provider "emulator" does not take seed',
  },
  {
    name: 'an extra field in defaults on openai',
    yaml: 'provider: {profile: openai, base_url: "http://127.0.0.1:1/v1"}\ndefaults: {num_frames: 81}\nshots:\n  - id: a\n    prompt: x\n',
    at: 'sb.yaml:4:12',
    message: 'provider "openai" does not take num_frames',
  },
  {
    name: 'a remix on vllm-omni',
    yaml: 'provider: {profile: vllm-omni, base_url: "http://127.0.0.1:1/v1"}\nshots:\n  - id: a\n    prompt: x\n  - id: b\n    remix: a\n    prompt: y\n',
    at: 'sb.yaml:8:12',
    message: 'provider "vllm-omni" cannot remix videos',
  },
  {
    name: 'no model on litellm',
    yaml: 'provider: {profile: litellm, base_url: "http://127.0.0.1:1/v1"}\nshots:\n  - id: a\n    prompt: x\n',
    at: 'sb.yaml:5:5',
    message: 'provider "litellm" needs a model for every job',
  },
  {
    name: 'a size the overridden model table lacks',
    yaml: 'provider: {profile: azure, base_url: "https://r.openai.azure.com/openai/v1", models: {prod: {sizes: [1280x720]}}}\ndefaults: {model: prod, size: 720x1280}\nshots:\n  - id: a\n    prompt: x\n',
    at: 'sb.yaml:4:31',
    message: 'expected one of 1280x720 for prod, found 720x1280',
  },
  {
    name: 'a seed out of range',
    yaml: 'provider: emulator\nshots:\n  - id: a\n    prompt: x\n    seed: -1\n',
    at: 'sb.yaml:7:11',
    message: 'expected a whole number from 0 to 2147483647, or auto',
  },
];

describe.concurrent('provider profiles', () => {
  for (const row of INVALID) {
    it(`validation refuses ${row.name}, naming the provider, before anything is sent`, async ({ onTestFinished }) => {
      const dir = await project({ 'sb.yaml': `version: 1\nname: sb\n${row.yaml}` }, onTestFinished);
      const run = await runCli(['validate', 'sb.yaml'], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(row.at);
      expect(run.stderr).toContain(row.message);
      // On one issue's header line, and the only issue: not the location of one and the message of another.
      expect(
        run.stderr.split('\n').filter((line) => line.startsWith(`${row.at}: error: `) && line.includes(row.message)),
        run.stderr,
      ).toHaveLength(1);
      expect(run.stderr).toMatch(/\n\n1 error\n$/);
    });
  }

  it('shotlist.providers.yaml defines a profile that storyboards name; `shotlist providers` lists it beside the built-ins', async ({ onTestFinished }) => {
    const dir = await project(
      {
        'shotlist.providers.yaml': [
          'providers:',
          '  gpu-box:',
          '    extends: vllm-omni',
          '    description: Wan 2.2 on the lab GPUs',
          '    base_url: http://127.0.0.1:8091/v1',
          '    in_flight: 2',
          '    extra_fields: [seed]',
          '',
        ].join('\n'),
        'sb.yaml': 'version: 1\nname: sb\nprovider: gpu-box\nshots:\n  - id: a\n    prompt: x\n    seed: auto\n  - id: b\n    prompt: y\n    fps: 16\n',
      },
      onTestFinished,
    );
    const validate = await runCli(['validate', 'sb.yaml'], { cwd: dir });
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('provider "gpu-box" does not take fps');
    const table = await runCli(['providers'], { cwd: dir });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(
      /^provider\s+from\s+protocol\s+encoding\s+auth\s+remix\s+delete\s+list\s+finds lost\s+variants\s+extra fields\s+in flight\s+creates\/min\s+prices\s+retired$/m,
    );
    expect(table.stdout).toMatch(
      /^gpu-box\s+configured\s+openai-videos\s+multipart\s+bearer \(optional\)\s+no\s+yes\s+yes\s+yes\s+video\s+flat\s+2\s+-\s+unknown\s+-$/m,
    );
    expect(table.stdout).toMatch(
      /^azure\s+built-in\s+openai-videos\s+json\s+api-key or bearer token\s+yes\s+yes\s+yes\s+yes\s+video,thumbnail\s+-\s+2\s+2\s+known\s+2026-09-15$/m,
    );
    expect(table.stdout).toMatch(
      /^litellm\s+built-in\s+openai-videos\s+json\s+bearer \(optional\)\s+yes\s+no\s+yes\s+yes\s+video\s+in extra_body\s+2\s+-\s+unknown\s+-$/m,
    );
    const events = (await runCli(['providers', '--json'], { cwd: dir })).events();
    expect(events.map((e) => e['name'])).toEqual([...Object.keys(builtinProfiles), 'gpu-box']);
    expect(events.at(-1)).toMatchObject({
      source: 'configured',
      base_url: 'http://127.0.0.1:8091/v1',
      extra_fields: ['seed'],
      in_flight: 2,
      prices_known: false,
    });
  });

  it('a broken shotlist.providers.yaml is reported at its line, by validate and by providers', async ({ onTestFinished }) => {
    const dir = await project(
      {
        'shotlist.providers.yaml': 'providers:\n  box:\n    extends: vlm-omni\n  other:\n    extends: litellm\n    encodng: json\n',
        'sb.yaml': 'version: 1\nname: sb\nshots:\n  - id: a\n    prompt: x\n',
      },
      onTestFinished,
    );
    const validate = await runCli(['validate', 'sb.yaml'], { cwd: dir });
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('shotlist.providers.yaml:6:5');
    expect(validate.stderr).toContain('unknown property "encodng"');
    const providers = await runCli(['providers'], { cwd: dir });
    expect(providers.code).toBe(2);
    expect(providers.stderr).toContain('did you mean "encoding"?');
  });

  it('prices are known when every model prices some size: the plan note and `shotlist providers` agree', () => {
    const any = { sizes: 'any', seconds: 'any' } as const;
    const cases: [Record<string, ModelProfile>, boolean][] = [
      [{}, false],
      [{ a: any }, false],
      [{ a: { ...any, pricePerSecond: {} } }, false],
      [{ a: { ...any, pricePerSecond: { '1280x720': 0.1 } }, b: any }, false],
      [{ a: { ...any, pricePerSecond: { '1280x720': 0.1 } } }, true],
    ];
    for (const [models, known] of cases) {
      const profile = { ...openaiProfile, models };
      expect(summarizeProfile(profile, 'built-in').prices_known, JSON.stringify(models)).toBe(known);
      expect(
        profileNotes(profile).some((note) => note.includes('has no prices')),
        JSON.stringify(models),
      ).toBe(!known);
    }
  });

  it('seed: auto is sha256(job id), first 8 hex digits, 31 bits; extra fields enter the fingerprint only when present', () => {
    const digest = createHash('sha256').update('hero[product=mug]').digest('hex');
    expect(autoSeed('hero[product=mug]')).toBe(Number.parseInt(digest.slice(0, 8), 16) & 0x7fffffff);
    const base: JobRequest = { provider: 'vllm-omni http://h/v1', model: null, size: '832x480', seconds: '4', prompt: 'p' };
    const seeded = fingerprintOf({ ...base, extra: { seed: 1 } });
    expect(seeded).not.toBe(fingerprintOf(base));
    expect(seeded).not.toBe(fingerprintOf({ ...base, extra: { seed: 2 } }));
    expect(fingerprintOf({ ...base, extra: { seed: 1, fps: 16 } })).toBe(fingerprintOf({ ...base, extra: { fps: 16, seed: 1 } }));
  });
});
