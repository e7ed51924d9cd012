import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fingerprintOfFilm } from '../../src/cut/cut-fingerprint.js';
import type { Film } from '../../src/cut/film.js';
import { fingerprintOf, type JobRequest } from '../../src/lockfile/fingerprint.js';

/**
 * Lockfiles on disk hold these fingerprints: a change to how the canonical JSON is written must
 * leave every one of them as it was, or each job and film would render again. The fixture was
 * computed by the hand-written writer before the switch to RFC 8785 (`canonicalize`).
 */
const known = JSON.parse(readFileSync(new URL('../fixtures/known-fingerprints.json', import.meta.url), 'utf8')) as {
  requests: Array<{ what: string; request: JobRequest; fingerprint: string }>;
  films: Array<{ what: string; film: Film; fingerprint: string }>;
};
const campaign = JSON.parse(readFileSync(new URL('../fixtures/campaign.lock.json', import.meta.url), 'utf8')) as {
  jobs: Record<string, { request: JobRequest; fingerprint: string }>;
};

describe('fingerprints already recorded', () => {
  it.each(Object.entries(campaign.jobs))('campaign.lock.json: %s', (_id, entry) => {
    expect(fingerprintOf(entry.request)).toBe(entry.fingerprint);
  });
  it.each(known.requests.map((r) => [r.what, r] as const))('job request: %s', (_what, { request, fingerprint }) => {
    expect(fingerprintOf(request)).toBe(fingerprint);
  });
  it.each(known.films.map((f) => [f.what, f] as const))('film: %s', (_what, { film, fingerprint }) => {
    expect(fingerprintOfFilm(film)).toBe(fingerprint);
  });
  it('covers every job of the campaign and every edge case written down', () => {
    expect(Object.keys(campaign.jobs).length).toBeGreaterThan(5);
    expect(known.requests.length).toBe(11);
    expect(known.films.length).toBe(3);
  });
});

describe('text that is not Unicode', () => {
  it('is refused with a user error (RFC 8785 has no form for a lone surrogate), not fingerprinted', () => {
    const request: JobRequest = { provider: 'emulator', model: null, size: '1280x720', seconds: '4', prompt: 'a\ud800b' };
    expect(() => fingerprintOf(request)).toThrow(expect.objectContaining({ code: 'ill-formed-text' }));
    // A whole pair is fine.
    expect(fingerprintOf({ ...request, prompt: 'a\ud83c\udfacb' })).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
