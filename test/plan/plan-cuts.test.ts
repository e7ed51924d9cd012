import { describe, expect, it } from 'vitest';
import type { CutEntry, LockEntry, Lockfile } from '../../src/lockfile/lockfile.js';
import { onlyWithCuts, planCuts, type CutReason } from '../../src/plan/plan-cuts.js';
import type { OutputState, PlanAction, PlannedJob } from '../../src/plan/plan.js';
import type { ResolvedCut } from '../../src/storyboard/cut.js';
import { fingerprintOfFilm } from '../../src/cut/cut-fingerprint.js';
import { filmOfCut } from '../../src/storyboard/film-of-cut.js';

/** planCuts, a pure function: what happens to a film given its clips' plan, the lockfile's `cuts` and the files on disk. */

const ORIGIN = { file: 'spots.yaml', line: 1, column: 1 } as never;
const SHA = { hero: 'a'.repeat(64), close: 'b'.repeat(64), other: 'c'.repeat(64), film: 'd'.repeat(64), otio: 'e'.repeat(64) };

const SPOT: ResolvedCut = {
  id: 'spot[product=mug]',
  cutId: 'spot',
  cutIndex: 0,
  bindings: [],
  width: 1280,
  height: 720,
  fps: 24,
  sequence: [
    { kind: 'clip', job: 'hero', width: 1280, height: 720, clipSeconds: 4, from: 0, to: 4, transitionIn: 'cut', origin: ORIGIN },
    { kind: 'clip', job: 'close', width: 1280, height: 720, clipSeconds: 4, from: 1, to: 3, transitionIn: { crossfade: 0.5 }, origin: ORIGIN },
  ],
  audio: { music: null, musicGainDb: -14, loudnessLufs: -14 },
  origin: ORIGIN,
};

function job(id: string, action: PlanAction, sha256: string | null = SHA[id as 'hero']): PlannedJob {
  const entry = sha256 === null ? null : ({ outputs: { video: { path: `renders/s/${id}.mp4`, sha256, bytes: 1 } } } as unknown as LockEntry);
  return {
    id,
    shotId: id,
    action,
    reason: { code: 'up-to-date' },
    changed: [],
    request: {} as never,
    fingerprint: null,
    seconds: 4,
    costUsd: 0,
    cost: { currency: 'USD', micros: 0 },
    entry,
    remixOf: null,
    parent: null,
    movedFrom: null,
  };
}

const FINGERPRINT = fingerprintOfFilm(filmOfCut(SPOT, (id) => ({ path: '', sha256: SHA[id as 'hero'] })));

function recorded(fingerprint = FINGERPRINT, clips: Record<string, string> = { hero: SHA.hero, close: SHA.close }): Lockfile {
  const entry: CutEntry = {
    fingerprint,
    clips,
    outputs: {
      video: { path: 'renders/s/cuts/spot.mp4', sha256: SHA.film, bytes: 10 },
      timeline: { path: 'renders/s/cuts/spot.otio', sha256: SHA.otio, bytes: 5 },
    },
  };
  return { lockfileVersion: 1, name: 's', jobs: {}, cuts: { [SPOT.id]: entry } };
}

const ON_DISK = new Map<string, OutputState>([
  ['renders/s/cuts/spot.mp4', { sha256: SHA.film, bytes: 10 }],
  ['renders/s/cuts/spot.otio', { sha256: SHA.otio, bytes: 5 }],
]);

describe('planCuts', () => {
  it.each<[string, readonly PlannedJob[], Lockfile | null, ReadonlyMap<string, OutputState>, string, CutReason, boolean]>([
    [
      'a film never built: + cut, its fingerprint known from the clips on disk',
      [job('hero', 'reuse'), job('close', 'reuse')],
      null,
      new Map(),
      'cut',
      { code: 'new' },
      true,
    ],
    ['everything as recorded: = reuse', [job('hero', 'reuse'), job('close', 'download')], recorded(), ON_DISK, 'reuse', { code: 'up-to-date' }, true],
    [
      'a clip renders: ~ cut, fingerprint unknown until it is on disk',
      [job('hero', 'reuse'), job('close', 'render')],
      recorded(),
      ON_DISK,
      'cut',
      { code: 'clips-render', clips: ['close'] },
      false,
    ],
    [
      'a clip is another file: ~ cut naming it',
      [job('hero', 'reuse'), job('close', 'reuse', SHA.other)],
      recorded(),
      ON_DISK,
      'cut',
      { code: 'clips-changed', clips: ['close'] },
      true,
    ],
    [
      'same clips, other settings: ~ cut',
      [job('hero', 'reuse'), job('close', 'reuse')],
      recorded(`sha256:${'0'.repeat(64)}`),
      ON_DISK,
      'cut',
      { code: 'settings-changed' },
      true,
    ],
    [
      'the MP4 is gone: ~ cut',
      [job('hero', 'reuse'), job('close', 'reuse')],
      recorded(),
      new Map([...ON_DISK].filter(([p]) => p.endsWith('.otio'))),
      'cut',
      { code: 'file-missing', file: 'video' },
      true,
    ],
    [
      'the .otio was edited: ~ cut',
      [job('hero', 'reuse'), job('close', 'reuse')],
      recorded(),
      new Map([...ON_DISK].map(([p, s]) => [p, p.endsWith('.otio') ? { sha256: SHA.other, bytes: 5 } : s])),
      'cut',
      { code: 'file-altered', file: 'timeline' },
      true,
    ],
    [
      'a clip failed for good: ! blocked naming it',
      [job('hero', 'reuse'), job('close', 'failed')],
      recorded(),
      ON_DISK,
      'blocked',
      { code: 'clip-unavailable', clip: 'close', why: 'failed' },
      false,
    ],
    [
      'a clip blocked: ! blocked naming it',
      [job('hero', 'blocked', null), job('close', 'reuse')],
      null,
      new Map(),
      'blocked',
      { code: 'clip-unavailable', clip: 'hero', why: 'blocked' },
      false,
    ],
    [
      'a clip not planned (left out by --only): ! blocked naming it',
      [job('hero', 'reuse')],
      null,
      new Map(),
      'blocked',
      { code: 'clip-unavailable', clip: 'close', why: 'not-selected' },
      false,
    ],
  ])('%s', (_name, jobs, lockfile, outputs, action, reason, knowsFingerprint) => {
    const { cuts, totals } = planCuts({ cuts: [SPOT], jobs, lockfile, outputs });
    expect(cuts).toHaveLength(1);
    expect(cuts[0]).toMatchObject({ id: SPOT.id, action, reason, clips: ['hero', 'close'], size: '1280x720', seconds: 5.5 });
    const { fingerprint } = cuts[0]!;
    if (!knowsFingerprint) expect(fingerprint).toBeNull();
    // Another clip file, another film.
    else if (reason.code === 'clips-changed') expect([fingerprint?.startsWith('sha256:'), fingerprint === FINGERPRINT]).toEqual([true, false]);
    else expect(fingerprint).toBe(FINGERPRINT);
    expect(totals.cut + totals.reuse + totals.blocked).toBe(1);
  });

  it('--replace forces a film that is up to date', () => {
    const { cuts } = planCuts({
      cuts: [SPOT],
      jobs: [job('hero', 'reuse'), job('close', 'reuse')],
      lockfile: recorded(),
      outputs: ON_DISK,
      replace: ['spot*'],
    });
    expect(cuts[0]).toMatchObject({ action: 'cut', reason: { code: 'replace' } });
  });

  it('--only selects films by id; films left out are counted, entries of films gone are orphans', () => {
    const lock = recorded();
    const gone = { ...lock, cuts: { ...lock.cuts, 'old[product=mug]': lock.cuts![SPOT.id]! } };
    const plan = planCuts({
      cuts: [SPOT, { ...SPOT, id: 'teaser' }],
      jobs: [job('hero', 'reuse'), job('close', 'reuse')],
      lockfile: gone,
      outputs: ON_DISK,
      only: ['spot*'],
    });
    expect(plan.cuts.map((cut) => cut.id)).toEqual([SPOT.id]);
    expect(plan.totals).toEqual({ cut: 0, reuse: 1, blocked: 0, unselected: 1 });
    expect(plan.orphans).toEqual(['old[product=mug]']);
  });

  it('onlyWithCuts adds the jobs the selected films play, and leaves "everything" as it is', () => {
    expect(onlyWithCuts(['spot*'], [SPOT])).toEqual(['spot*', 'hero', 'close']);
    expect(onlyWithCuts(['teaser'], [SPOT])).toEqual(['teaser']);
    expect(onlyWithCuts([], [SPOT])).toEqual([]);
  });
});
