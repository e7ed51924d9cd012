import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockEntry, Lockfile } from '../../src/lockfile/lockfile.js';
import type { PlannedCut } from '../../src/plan/plan-cuts.js';
import { LockRecorder } from '../../src/run/lock-recorder.js';
import { startCuts, type CutEvent } from '../../src/run/run-cuts.js';
import type { ResolvedCut } from '../../src/storyboard/cut.js';
import { makeNumberedClip } from '../cut/media.js';

/**
 * The films of a run, driven by their clips' ends: a film starts once its last clip is on disk,
 * no more at once than allowed, is recorded the moment it is written, and is skipped, naming
 * the clip, when a clip does not come out. Real clips, real ffmpeg, a real lockfile.
 */

const SIZE = { width: 64, height: 36 };
const ORIGIN = { file: 'spots.yaml', line: 1, column: 1 } as never;
let root: string;
const entries: Record<string, LockEntry> = {};

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'shotlist-run-cuts-'));
  await mkdir(path.join(root, 'renders/s'), { recursive: true });
  for (const [index, job] of ['a', 'b', 'c'].entries()) {
    const file = await makeNumberedClip(path.join(root, `renders/s/${job}.mp4`), index, SIZE, 1, 12);
    const bytes = await readFile(file);
    entries[job] = {
      fingerprint: `sha256:${'0'.repeat(63)}${index}`,
      request: { provider: 'emulator', model: 'sora-2', size: '64x36', seconds: '1', prompt: job },
      video_id: `video_${job}`,
      remixed_from: null,
      status: 'completed',
      created_at: 1,
      expires_at: null,
      cost_usd: 0,
      error: null,
      outputs: { video: { path: `renders/s/${job}.mp4`, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length } },
    };
  }
});
afterAll(() => rm(root, { recursive: true, force: true }));

function planned(id: string, clips: readonly string[], size = SIZE): PlannedCut {
  const cut: ResolvedCut = {
    id,
    cutId: id,
    cutIndex: 0,
    bindings: [],
    ...size,
    fps: 12,
    origin: ORIGIN,
    sequence: clips.map((job) => ({ kind: 'clip', job, ...size, clipSeconds: 1, from: 0, to: 1, transitionIn: 'cut', origin: ORIGIN })),
    audio: { music: null, musicGainDb: -14, loudnessLufs: -14 },
  };
  return { id, action: 'cut', reason: { code: 'new' }, fingerprint: null, shape: '', clips, size: '64x36', seconds: clips.length, entry: null, cut };
}

describe('startCuts', () => {
  it('starts each film when its clips are on disk, one at a time when so limited, and skips the one whose clip failed', async () => {
    const lockPath = path.join(root, 's.lock.json');
    // `c` is still rendering in this run; `a` and `b` are on disk.
    const lock: Lockfile = { lockfileVersion: 1, name: 's', jobs: { a: entries['a']!, b: entries['b']! } };
    const recorder = new LockRecorder(lockPath, lock);
    const events: CutEvent[] = [];
    const run = await startCuts({
      cuts: [planned('one', ['a']), planned('two', ['b', 'a']), planned('three', ['a', 'c'])],
      pending: new Set(['c']),
      recorder,
      lockDir: root,
      outDir: path.join(root, 'renders/s'),
      signal: new AbortController().signal,
      concurrency: 1,
      onEvent: (event) => events.push(event),
    });
    run.clipSettled('c', false, 'failed');
    const reports = await run.finish();

    expect(reports.map((report) => [report.id, report.status])).toEqual([
      ['one', 'built'],
      ['two', 'built'],
      ['three', 'skipped'],
    ]);
    expect(reports[2]).toMatchObject({ clip: 'c', reason: 'not assembled, because clip c failed' });
    // Never two at once: each film settles before the next starts (the film of the failed clip ends without starting).
    const order = events
      .filter((event) => event.type !== 'cut-progress')
      .map((event) => (event.type === 'cut-settled' ? `end ${event.report.id}` : `start ${event.id}`));
    expect(order).toEqual(['start one', 'end three', 'end one', 'start two', 'end two']);
    // Recorded as written: the lockfile on disk has both films, with the clips they were made of.
    const written = JSON.parse(await readFile(lockPath, 'utf8')) as Lockfile;
    expect(Object.keys(written.cuts ?? {})).toEqual(['one', 'two']);
    expect(written.cuts!['two']!.clips).toEqual({ a: entries['a']!.outputs.video!.sha256, b: entries['b']!.outputs.video!.sha256 });
    expect((await readdir(path.join(root, 'renders/s/cuts'))).sort()).toEqual(['one.mp4', 'one.otio', 'two.mp4', 'two.otio']);
  });

  it('waits for a clip still rendering, and starts the film the moment it lands', async () => {
    const recorder = new LockRecorder(path.join(root, 'w.lock.json'), { lockfileVersion: 1, name: 's', jobs: { a: entries['a']! } });
    const events: CutEvent[] = [];
    const run = await startCuts({
      cuts: [planned('late', ['a', 'c'])],
      pending: new Set(['c']),
      recorder,
      lockDir: root,
      outDir: path.join(root, 'renders/w'),
      signal: new AbortController().signal,
      onEvent: (event) => events.push(event),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual([]);
    // The clip lands: recorded by its job, then announced.
    await recorder.record('c', entries['c']!);
    run.clipSettled('c', true);
    const [report] = await run.finish();
    expect(report).toMatchObject({ id: 'late', status: 'built', mode: 'copy' });
    expect(events[0]).toEqual({ type: 'cut-started', id: 'late' });
  });

  it('a film whose clips rendered again to the same bytes is reused when intact, and built again when a FIFO stands in its place', async () => {
    const lockPath = path.join(root, 'r.lock.json');
    const first = new LockRecorder(lockPath, { lockfileVersion: 1, name: 's', jobs: { a: entries['a']! } });
    const outDir = path.join(root, 'renders/r');
    const options = { pending: new Set<string>(), lockDir: root, outDir, signal: new AbortController().signal };
    expect((await (await startCuts({ ...options, cuts: [planned('again', ['a'])], recorder: first })).finish())[0]).toMatchObject({ status: 'built' });
    const recorded = JSON.parse(await readFile(lockPath, 'utf8')) as Lockfile;
    const rendered: PlannedCut = { ...planned('again', ['a']), reason: { code: 'clips-render', clips: ['a'] } };
    const rerun = async () => (await (await startCuts({ ...options, cuts: [rendered], recorder: new LockRecorder(lockPath, recorded) })).finish())[0];
    expect(await rerun()).toMatchObject({ status: 'reused' });
    // Not a file any more: not intact, and never a read that waits for a writer.
    const film = path.join(root, recorded.cuts!['again']!.outputs.video.path);
    await rm(film);
    execFileSync('mkfifo', [film]);
    expect(await rerun()).toMatchObject({ status: 'built' });
    expect((await stat(film)).isFile()).toBe(true);
  });

  it('a clip on disk that is not what its job asked for fails that film alone, saying which clip and why; nothing is written or recorded', async () => {
    const lockPath = path.join(root, 'x.lock.json');
    const recorder = new LockRecorder(lockPath, { lockfileVersion: 1, name: 's', jobs: { a: entries['a']!, b: entries['b']! } });
    const run = await startCuts({
      cuts: [planned('wide', ['a'], { width: 128, height: 72 }), planned('fine', ['b'])],
      pending: new Set(),
      recorder,
      lockDir: root,
      outDir: path.join(root, 'renders/x'),
      signal: new AbortController().signal,
    });
    const reports = await run.finish();
    expect(reports.map((report) => [report.id, report.status])).toEqual([
      ['wide', 'failed'],
      ['fine', 'built'],
    ]);
    expect(reports[0]).toMatchObject({ reason: 'wide: clip of a is 64x36, the film is 128x72' });
    expect(Object.keys((JSON.parse(await readFile(lockPath, 'utf8')) as Lockfile).cuts ?? {})).toEqual(['fine']);
    expect((await readdir(path.join(root, 'renders/x/cuts'))).sort()).toEqual(['fine.mp4', 'fine.otio']);
  });
});
