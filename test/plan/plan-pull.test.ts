import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { parseLockfile, serializeLockfile } from '../../src/lockfile/parse-lockfile.js';
import { planStoryboard } from '../../src/plan/plan-storyboard.js';
import { openRemoteStore } from '../../src/remote/open-remote.js';
import type { RemoteStore } from '../../src/remote/store.js';
import { pushOutputs } from '../../src/remote/transfer.js';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { writeFakeOutputs } from '../helpers/campaign-lock.js';
import { copyExamples, REPO } from '../helpers/cli.js';

/**
 * Read-through in the plan (SPEC §8): a file missing on disk that the remote holds is `↓ pull`,
 * at no cost, whether or not the server still has its video; without the remote the plan is
 * what it always was. The remote is a real directory store, asked only about missing files.
 */

const NOW_S = Date.UTC(2026, 10, 22, 12, 0, 0) / 1000;
const FIXTURE = path.join(REPO, 'test/fixtures/campaign.lock.json');
const MUG = 'hero[product=mug,size=1280x720]';
const DUSK_MUG = 'hero-dusk[product=mug,size=1280x720]';
const TEAPOT = 'hero[product=teapot,size=1280x720]';

let dir: string;
let cleanup: () => Promise<void>;
let lock: Lockfile;
let remote: RemoteStore;

beforeEach(async () => {
  ({ dir, cleanup } = await copyExamples());
  lock = parseLockfile(await readFile(FIXTURE, 'utf8'), FIXTURE);
  remote = await openRemoteStore({ kind: 'directory', path: path.join(dir, '.remote') });
});
afterEach(() => cleanup());

async function install(edit: (lock: Lockfile) => Lockfile = (l) => l): Promise<void> {
  lock = edit(lock);
  await writeFile(path.join(dir, 'campaign.lock.json'), serializeLockfile(lock));
  await writeFakeOutputs(dir, lock);
}

/** Pushes the files of these jobs to the remote (as a teammate's render did). */
async function share(ids: readonly string[]): Promise<void> {
  const outputs = ids.map((id) => lock.jobs[id]!.outputs.video!).map((o) => ({ ...o, path: path.join(dir, o.path) }));
  expect((await pushOutputs(remote, outputs)).transferred).toBe(ids.length);
}

async function removeFiles(ids: readonly string[]): Promise<void> {
  for (const id of ids) await rm(path.join(dir, lock.jobs[id]!.outputs.video!.path));
}

async function plan(withRemote = true) {
  const { loaded } = await loadStoryboard('campaign.yaml', { cwd: dir });
  const { plan } = await planStoryboard(loaded!, { now: NOW_S, ...(withRemote ? { remote } : {}) });
  return { jobs: new Map(plan.jobs.map((job) => [job.id, job])), totals: plan.totals };
}

describe('read-through in the plan', () => {
  it('pulls a missing file the remote holds, downloads one it lacks while the server has it, and without a remote plans as before', async () => {
    await install();
    await share([MUG]);
    await removeFiles([MUG, TEAPOT]);
    const { jobs, totals } = await plan();
    expect(jobs.get(MUG)).toMatchObject({ action: 'pull', reason: { code: 'on-remote', file: 'missing' }, costUsd: 0 });
    expect(jobs.get(TEAPOT)).toMatchObject({ action: 'download', reason: { code: 'file-missing' } });
    expect(totals).toMatchObject({ pull: 1, download: 1, render: 0, costUsd: 0 });
    const without = await plan(false);
    expect(without.jobs.get(MUG)).toMatchObject({ action: 'download' });
    expect(without.totals.pull).toBe(0);
  });

  it('pulls instead of rendering when the video expired on the server; renders only when neither has it', async () => {
    await install((l) => ({ ...l, jobs: Object.fromEntries(Object.entries(l.jobs).map(([id, entry]) => [id, { ...entry, expires_at: NOW_S - 3600 }])) }));
    await share([MUG]);
    await removeFiles([MUG, TEAPOT]);
    const { jobs, totals } = await plan();
    expect(jobs.get(MUG)).toMatchObject({ action: 'pull', costUsd: 0 });
    expect(jobs.get(TEAPOT)).toMatchObject({ action: 'render', reason: { code: 'take-gone', file: 'missing' } });
    // The pulled parent's remix keeps its take: nothing it builds on renders.
    expect(jobs.get(DUSK_MUG)).toMatchObject({ action: 'reuse' });
    expect(totals.pull).toBe(1);
  });

  it('a damaged or altered file the remote holds is pulled; a blob of the wrong size on the remote counts as absent', async () => {
    await install();
    await share([MUG, TEAPOT]);
    await writeFile(path.join(dir, lock.jobs[MUG]!.outputs.video!.path), 'edited by hand\n');
    await removeFiles([TEAPOT]);
    const teapot = lock.jobs[TEAPOT]!.outputs.video!;
    const blob = path.join(dir, '.remote', 'blobs', 'sha256', teapot.sha256.slice(0, 2), teapot.sha256.slice(2));
    await writeFile(blob, 'short');
    const { jobs } = await plan();
    expect(jobs.get(MUG)).toMatchObject({ action: 'pull', reason: { code: 'on-remote', file: 'altered' } });
    expect(jobs.get(TEAPOT)).toMatchObject({ action: 'download' });
  });

  it('a parent whose file only the remote holds, and whose video expired, renders again when a remix of it must render', async () => {
    await install((l) => ({ ...l, jobs: Object.fromEntries(Object.entries(l.jobs).map(([id, entry]) => [id, { ...entry, expires_at: NOW_S - 3600 }])) }));
    await share([MUG]);
    await removeFiles([MUG]);
    const file = path.join(dir, 'campaign.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('The same scene at dusk, warm lamp light', 'The same scene at dusk, candle light'));
    const { jobs } = await plan();
    expect(jobs.get(MUG)).toMatchObject({ action: 'render', reason: { code: 'remixed-video-gone', remix: DUSK_MUG } });
  });
});
