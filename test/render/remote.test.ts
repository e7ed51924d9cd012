import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { blobKey } from '../../src/remote/blob-key.js';
import { openRemoteStore } from '../../src/remote/open-remote.js';
import { pushOutputs } from '../../src/remote/transfer.js';
import { pushPinned } from '../../src/run/remote-sync.js';
import { copyExamples, runCli } from '../helpers/cli.js';
import { tempDir } from '../remote/helpers.js';
import { lockPathOf, readLock, readLockBytes, renderProject, renderWith, sha256, startRenderEmulator } from './helpers.js';

/**
 * `render` with a directory remote, end to end on the emulator (SPEC §8): write-through of every
 * output, a teammate's clone that pulls instead of paying, a damaged blob refused by its sha256,
 * a push that fails and is completed later, and `push`/`pull` of a campaign's lockfile.
 */

const FILE = 'quickstart.yaml';

async function remoteFor(onTestFinished: TestContext['onTestFinished']): Promise<string> {
  const { dir, cleanup } = await tempDir('shotlist-remote-render-');
  onTestFinished(cleanup);
  return dir;
}

/** A teammate's checkout: the storyboard and its lockfile from git, no renders, no emulator state. */
async function cloneOf(dir: string, onTestFinished: TestContext['onTestFinished']): Promise<string> {
  const { dir: clone, cleanup } = await copyExamples();
  onTestFinished(cleanup);
  await copyFile(lockPathOf(dir, FILE), lockPathOf(clone, FILE));
  return clone;
}

function outputsOf(lock: Lockfile): { path: string; sha256: string; bytes: number }[] {
  return Object.values(lock.jobs).flatMap((entry) => Object.values(entry.outputs));
}

async function onDisk(dir: string, output: { path: string }): Promise<Buffer | null> {
  return readFile(path.join(dir, output.path)).catch(() => null);
}

describe('render with a remote', () => {
  it('pushes every output once it is downloaded, and a clone pulls every file instead of rendering', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const remote = await remoteFor(onTestFinished);
    const first = await renderWith(emu, dir, FILE, ['--remote', remote]);
    expect(first.code, first.stderr).toBe(0);
    const lock = await readLock(dir, FILE);
    const pushed = first.events().find((e) => e.event === 'remote.summary');
    expect(pushed).toMatchObject({ direction: 'push', transferred: outputsOf(lock).length, failed: 0 });
    for (const output of outputsOf(lock)) expect(sha256(await readFile(path.join(remote, blobKey(output.sha256))))).toBe(output.sha256);
    // Written through as jobs complete: the parents' files are on the remote before their remixes end.
    const events = first.events();
    const firstPushed = events.findIndex((e) => e.event === 'remote.blob' && e['state'] === 'transferred');
    const lastResult = events.findLastIndex((e) => e.event === 'job.result');
    expect(firstPushed).toBeGreaterThan(-1);
    expect(firstPushed).toBeLessThan(lastResult);

    // The clone's server never saw these videos: without the remote it would render all four again.
    const other = await startRenderEmulator();
    onTestFinished(() => other.close());
    const clone = await cloneOf(dir, onTestFinished);
    const planned = await runCli(['plan', FILE, '--base-url', other.url, '--remote', remote, '--json'], { cwd: clone });
    expect(
      planned
        .events()
        .filter((e) => e.event === 'plan.job')
        .map((e) => e['action']),
    ).toEqual(['pull', 'pull', 'pull', 'pull']);
    expect(planned.events().find((e) => e.event === 'plan.total')).toMatchObject({ pull: 4, render: 0 });
    // Watch mode's plan says the same.
    const watching = new AbortController();
    const watched = runCli(['watch', FILE, '--base-url', other.url, '--remote', remote, '--json'], {
      cwd: clone,
      signal: watching.signal,
      now: () => Date.now(),
      onOutput: ({ stdout }) => void (stdout.includes('"watch.plan"') && watching.abort()),
    });
    expect((await watched).events().find((e) => e.event === 'watch.plan')).toMatchObject({ pull: 4, render: 0, download: 0 });
    const before = await readLockBytes(clone, FILE);
    const pulled = await renderWith(other, clone, FILE, ['--remote', remote]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(other.stats().createsAccepted).toBe(0);
    expect(pulled.events().filter((e) => e.event === 'job')).toEqual([]);
    expect(pulled.events().find((e) => e.event === 'remote.summary' && e['direction'] === 'pull')).toMatchObject({
      transferred: outputsOf(lock).length,
      failed: 0,
    });
    for (const output of outputsOf(lock)) expect((await onDisk(clone, output))?.equals((await onDisk(dir, output))!), output.path).toBe(true);
    // Nothing about the takes changed: the lockfile is byte-identical.
    expect((await readLockBytes(clone, FILE)).equals(before)).toBe(true);
    // A push interrupted after some blobs (two missing on the remote) is completed by the next
    // run's sweep, here through the listing a campaign of many outputs uses.
    const store = await openRemoteStore({ kind: 'directory', path: remote });
    for (const output of outputsOf(lock).slice(0, 2)) await store.deleteBlob(output.sha256);
    const swept = await pushPinned(lockPathOf(dir, FILE), { projectRoot: dir }, store, {
      signal: new AbortController().signal,
      display: (p) => p,
      listFrom: 1,
    });
    expect(swept).toMatchObject({ items: 8, transferred: 2, present: 6, failed: 0 });
    // And the next plan reuses every file.
    const again = await runCli(['plan', FILE, '--base-url', other.url, '--remote', remote, '--json'], { cwd: clone });
    expect(
      again
        .events()
        .filter((e) => e.event === 'plan.job')
        .map((e) => e['action']),
    ).toEqual(['reuse', 'reuse', 'reuse', 'reuse']);
  }, 60_000);

  it('refuses a damaged blob by its sha256: never written as the output, reported, exit 1; the rest is pulled, that file downloaded from the server, the blob repaired', async ({
    onTestFinished,
  }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const remote = await remoteFor(onTestFinished);
    expect((await renderWith(emu, dir, FILE, ['--remote', remote])).code).toBe(0);
    const lock = await readLock(dir, FILE);
    const victim = lock.jobs['hero[product=mug]']!.outputs.video!;
    const blob = path.join(remote, blobKey(victim.sha256));
    const bytes = await readFile(blob);
    bytes[bytes.length >> 1]! ^= 0x01;
    await writeFile(blob, bytes);

    // A teammate's clone, on the same server, which still has the videos.
    const clone = await cloneOf(dir, onTestFinished);
    const creates = emu.stats().createsAccepted;
    const run = await renderWith(emu, clone, FILE, ['--remote', remote]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.events().find((e) => e.event === 'remote.blob' && e['state'] === 'failed')).toMatchObject({
      code: 'blob-corrupt',
      path: victim.path,
      sha256: victim.sha256,
    });
    expect(run.stderr).toMatch(/damaged/);
    expect((await readdir(path.dirname(path.join(clone, victim.path)))).filter((name) => name.includes('.part-'))).toEqual([]);
    // The damaged bytes never became the file: it came from the server, as the lockfile pins it.
    expect(
      run
        .events()
        .filter((e) => e.event === 'job' && e['state'] === 'downloading')
        .map((e) => e['id']),
    ).toEqual(['hero[product=mug]']);
    for (const output of outputsOf(lock)) expect(sha256((await onDisk(clone, output))!), output.path).toBe(output.sha256);
    expect(emu.stats().createsAccepted).toBe(creates);
    // And the push after the run replaced the damaged blob with the good copy.
    expect(sha256(await readFile(blob))).toBe(victim.sha256);

    // On a server that never had the video, the file is left missing rather than written damaged
    // (the download the plan falls back to finds nothing; the next run renders it).
    await writeFile(blob, bytes);
    const fresh = await cloneOf(dir, onTestFinished);
    const other = await startRenderEmulator();
    onTestFinished(() => other.close());
    const elsewhere = await renderWith(other, fresh, FILE, ['--remote', remote]);
    expect(elsewhere.code, elsewhere.stderr).toBe(1);
    expect(elsewhere.events().find((e) => e.event === 'remote.blob' && e['state'] === 'failed')).toMatchObject({ code: 'blob-corrupt', sha256: victim.sha256 });
    expect(await onDisk(fresh, victim)).toBeNull();
    for (const output of outputsOf(lock).filter((o) => o.path !== victim.path)) expect(sha256((await onDisk(fresh, output))!)).toBe(output.sha256);
    expect(other.stats().createsAccepted).toBe(0);
  }, 60_000);

  it('a push that fails makes the run exit 1 with every output recorded; `shotlist push` completes it, `shotlist pull` restores the files', async ({
    onTestFinished,
  }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const remote = await remoteFor(onTestFinished);
    // A remote whose claims work but whose blobs cannot be written: `blobs` is a regular file.
    const broken = path.join(remote, 'broken');
    await mkdir(broken);
    await writeFile(path.join(broken, 'blobs'), 'x');
    const run = await renderWith(emu, dir, FILE, ['--remote', broken]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/could not be pushed/);
    const lock = await readLock(dir, FILE);
    expect(Object.values(lock.jobs).map((entry) => entry.status)).toEqual(['completed', 'completed', 'completed', 'completed']);

    const good = path.join(remote, 'renders');
    const before = await runCli(['status', FILE, '--offline', '--remote', good, '--json'], { cwd: dir });
    expect(
      before
        .events()
        .filter((e) => e.event === 'status.job')
        .map((e) => e['remote']),
    ).toEqual(Array(4).fill({ video: false, thumbnail: false }));
    expect(before.events().find((e) => e.event === 'status.total')).toMatchObject({ remote: { held: 0, missing: 8 } });
    const push = await runCli(['push', FILE, '--remote', good, '--json'], { cwd: dir });
    expect(push.code, push.stderr).toBe(0);
    expect(push.events().at(-1)).toMatchObject({ event: 'remote.summary', direction: 'push', transferred: outputsOf(lock).length, failed: 0 });
    const after = await runCli(['status', FILE, '--offline', '--remote', good, '--json'], { cwd: dir });
    expect(
      after
        .events()
        .filter((e) => e.event === 'status.job')
        .map((e) => e['remote']),
    ).toEqual(Array(4).fill({ video: true, thumbnail: true }));
    const twice = await runCli(['push', lockPathOf(dir, FILE), '--remote', good, '--json'], { cwd: dir });
    expect(twice.events().at(-1)).toMatchObject({ transferred: 0, present: outputsOf(lock).length });

    await rm(path.join(dir, 'renders'), { recursive: true });
    const pull = await runCli(['pull', FILE], { cwd: dir, env: { SHOTLIST_REMOTE: good } });
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stderr).toMatch(/^pulled 8 files/m);
    for (const output of outputsOf(lock)) expect(sha256((await onDisk(dir, output))!)).toBe(output.sha256);
    // gc --remote: a blob no lockfile pins (a take since replaced) is listed, then deleted with --yes; pinned ones stay.
    const stray = path.join(dir, 'stray.mp4');
    await writeFile(stray, 'an old take\n');
    const strayOutput = { path: stray, sha256: sha256(await readFile(stray)), bytes: 12 };
    await pushOutputs(await openRemoteStore({ kind: 'directory', path: good }), [strayOutput]);
    const dry = await runCli(['gc', FILE, '--remote', good, '--dry-run', '--json'], { cwd: dir });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.events().filter((e) => e.event === 'gc.blob')).toEqual([{ event: 'gc.blob', sha256: strayOutput.sha256, bytes: 12, action: 'listed' }]);
    const unasked = await runCli(['gc', FILE, '--remote', good], { cwd: dir });
    expect(unasked.stderr).toMatch(/no terminal to confirm on/);
    const gc = await runCli(['gc', FILE, '--remote', '--yes', '--json'], { cwd: dir, env: { SHOTLIST_REMOTE: good } });
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.events().find((e) => e.event === 'gc.total')).toMatchObject({ listed: 9, unpinned: 1, deleted: 1, failed: 0 });
    const left = await runCli(['push', FILE, '--remote', good, '--json'], { cwd: dir });
    expect(left.events().at(-1)).toMatchObject({ present: 8, transferred: 0 });

    // A remote whose claims cannot be written stops the run before anything is created (exit 5).
    const creates = emu.stats().createsAccepted;
    await rm(lockPathOf(dir, FILE));
    const unusable = await renderWith(emu, dir, FILE, ['--remote', path.join(broken, 'blobs')]);
    expect(unusable.code, unusable.stderr).toBe(5);
    expect(unusable.stderr).toMatch(/the remote cannot hold this run's claims/);
    expect(emu.stats().createsAccepted).toBe(creates);

    // Without a remote named anywhere: a usage error, nothing sent.
    const none = await runCli(['pull', FILE], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/needs a remote/);
  }, 60_000);
});
