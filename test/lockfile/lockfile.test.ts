import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LockfileError } from '../../src/errors.js';
import { changedFields, fingerprintOf, type JobRequest } from '../../src/lockfile/fingerprint.js';
import { readLockfile, writeLockfile } from '../../src/lockfile/lockfile-io.js';
import { parseLockfile, serializeLockfile } from '../../src/lockfile/parse-lockfile.js';
import { REPO } from '../helpers/cli.js';

const FIXTURE = path.join(REPO, 'test/fixtures/campaign.lock.json');

const base: JobRequest = { provider: 'emulator', model: 'sora-2', size: '1280x720', seconds: '8', prompt: 'A mug on a counter.' };

describe('lockfile text', () => {
  it('round-trips byte-identically through parse and serialize', async () => {
    const text = await readFile(FIXTURE, 'utf8');
    expect(serializeLockfile(parseLockfile(text, 'fixture'))).toBe(text);
  });

  it('writes sorted job ids and a fixed key order whatever order the entries were built in', async () => {
    const lock = parseLockfile(await readFile(FIXTURE, 'utf8'), 'fixture');
    const reversed = { ...lock, jobs: Object.fromEntries(Object.entries(lock.jobs).reverse()) };
    const text = serializeLockfile(reversed);
    expect(text).toBe(serializeLockfile(lock));
    const ids = Object.keys((JSON.parse(text) as { jobs: object }).jobs);
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "jobs": {\n    "');
  });

  it('writes atomically and reads back the same data; a missing lockfile reads as none', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-lock-'));
    try {
      const target = path.join(dir, 'campaign.lock.json');
      expect(await readLockfile(target)).toBeNull();
      const lock = parseLockfile(await readFile(FIXTURE, 'utf8'), 'fixture');
      await writeLockfile(target, lock);
      expect(await readFile(target, 'utf8')).toBe(await readFile(FIXTURE, 'utf8'));
      expect(await readLockfile(target)).toEqual(lock);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['another version', '{"lockfileVersion": 2, "name": "x", "jobs": {}}', /lockfileVersion 2 is not supported; this shotlist reads version 1/],
    ['no version', '{"name": "x", "jobs": {}}', /lockfileVersion null is not supported/],
    ['not JSON', '{"lockfileVersion": 1,', /not valid JSON/],
    [
      'a job that is not an entry',
      '{"lockfileVersion": 1, "name": "x", "jobs": {"a": {"video_id": 3}}}',
      /^lock\.json:1:\d+ jobs\.a: must have required property/,
    ],
    [
      'a fingerprint edited into nonsense',
      `{"lockfileVersion": 1, "name": "x", "jobs": {"a": ${JSON.stringify({ fingerprint: 'abc', request: base, video_id: 'v', remixed_from: null, status: 'completed', created_at: 1, expires_at: 2, cost_usd: 0, error: null, outputs: {} })}}}`,
      /jobs\.a\.fingerprint: must match pattern/,
    ],
  ])('refuses %s with a clear message', (_name, text, message) => {
    expect(() => parseLockfile(text, 'lock.json')).toThrow(LockfileError);
    expect(() => parseLockfile(text, 'lock.json')).toThrow(message);
  });
});

describe('fingerprints', () => {
  it('are stable: the sha256 of the canonical request, the same on every machine', () => {
    const canonical =
      '{"input_reference_sha256":null,"model":"sora-2","prompt":"A mug on a counter.","provider":"emulator","remix_parent_video_id":null,"seconds":"8","size":"1280x720"}';
    expect(fingerprintOf(base)).toBe(`sha256:${createHash('sha256').update(canonical).digest('hex')}`);
    expect(fingerprintOf(base)).toBe('sha256:b11be631c29108eb5910149be77ae849de4decf6b65ecb137e7d5c1b5aa9bc57');
  });

  it('change when, and only when, a request-shaping field changes', () => {
    const shaping: [string, JobRequest][] = [
      ['prompt', { ...base, prompt: 'A teapot on a counter.' }],
      ['model', { ...base, model: 'sora-2-pro' }],
      ['size', { ...base, size: '720x1280' }],
      ['seconds', { ...base, seconds: '4' }],
      ['provider', { ...base, provider: 'openai https://api.openai.com/v1' }],
      ['input_reference', { ...base, input_reference: { path: 'a.png', sha256: 'a'.repeat(64) } }],
      ['parent video', { ...base, remix_of: { job: 'hero', video_id: 'video_1' } }],
    ];
    const seen = new Set([fingerprintOf(base)]);
    for (const [field, changed] of shaping) {
      const fingerprint = fingerprintOf(changed);
      expect(seen.has(fingerprint), field).toBe(false);
      seen.add(fingerprint);
      expect(changedFields(base, changed)).toEqual([field]);
    }
    // Not request-shaping: where the image lives and which job the parent is.
    const withImage = { ...base, input_reference: { path: 'a.png', sha256: 'a'.repeat(64) } };
    expect(fingerprintOf({ ...withImage, input_reference: { path: 'moved/a.png', sha256: 'a'.repeat(64) } })).toBe(fingerprintOf(withImage));
    const remix = { ...base, remix_of: { job: 'hero', video_id: 'video_1' } };
    expect(fingerprintOf({ ...remix, remix_of: { job: 'renamed', video_id: 'video_1' } })).toBe(fingerprintOf(remix));
  });

  it('do not depend on key order', () => {
    const reordered = { prompt: base.prompt, seconds: base.seconds, size: base.size, model: base.model, provider: base.provider } as JobRequest;
    expect(fingerprintOf(reordered)).toBe(fingerprintOf(base));
  });
});

describe('a render that changes nothing', () => {
  it('leaves the lockfile byte-identical when written again', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-lock-'));
    try {
      const target = path.join(dir, 'x.lock.json');
      const text = await readFile(FIXTURE, 'utf8');
      await writeFile(target, text);
      await writeLockfile(target, (await readLockfile(target))!);
      expect(await readFile(target, 'utf8')).toBe(text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
