import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../src/errors.js';
import { writeFileAtomic } from '../../src/lockfile/lockfile-io.js';
import { REPO, hasStackTrace, runCli } from '../helpers/cli.js';
import { userEnv } from '../helpers/dist.js';
import { smallDiskPrefix } from '../helpers/small-disk.js';
import { readLock, renderProject, renderWith } from '../render/helpers.js';

/**
 * Ordinary I/O failures are the user's environment, not a bug: `--out` on a file or a device, a
 * directory the machine refuses (EPERM even for root, under /sys), `--summary /dev/full`, a full
 * disk mid-download. Each ends with exit 6 and a message naming the path, never 70 and a stack;
 * a failed atomic write or download leaves no temp file; what was created on the server is
 * recorded and not paid for again.
 */

const FILE = 'quickstart.yaml';
const exec = promisify(execFile);

function expectEnvironmentFailure(run: { code: number; stderr: string }, mentions: string, what: RegExp): void {
  expect(run.code, run.stderr).toBe(6);
  expect(run.stderr).toContain(mentions);
  expect(run.stderr).toMatch(what);
  expect(run.stderr).not.toContain('internal error');
  expect(run.stderr).not.toContain('bug in shotlist');
  expect(hasStackTrace(run.stderr)).toBe(false);
}

describe('--out where no directory can be', () => {
  it('a regular file, /dev/null, a directory the kernel refuses (even to root): exit 6 naming it, before anything is created', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    await writeFile(path.join(dir, 'not-a-dir'), 'x');
    const cases = [
      { out: 'not-a-dir', mentions: path.join(dir, 'not-a-dir'), what: /a file that is not a directory is in the way \(EEXIST\)/ },
      { out: '/dev/null', mentions: '/dev/null', what: /a file that is not a directory is in the way \(EEXIST\)/ },
      { out: 'not-a-dir/below', mentions: path.join(dir, 'not-a-dir/below'), what: /\(ENOTDIR\)/ },
      { out: '/sys/shotlist-test-out', mentions: '/sys/shotlist-test-out', what: /\((EPERM|EACCES|EROFS)\)/ },
    ];
    for (const { out, mentions, what } of cases) {
      const run = await runCli(['render', FILE, '--base-url', emu.url, '--out', out], { cwd: dir, now: () => Date.now(), env: { NO_COLOR: '1' } });
      expectEnvironmentFailure(run, `cannot create the directory ${mentions}`, what);
    }
    expect(emu.stats().createsAccepted, 'the output directory is made before any create').toBe(0);
  });
});

describe('--summary that cannot be written', () => {
  it('/dev/full (ENOSPC) and a directory (EISDIR): the run completes and says so, then exits 6 naming the file', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const full = await runCli(['render', FILE, '--base-url', emu.url, '--summary', '/dev/full'], { cwd: dir, now: () => Date.now(), env: { NO_COLOR: '1' } });
    expectEnvironmentFailure(full, 'cannot append the run summary to /dev/full', /no space left on the device \(ENOSPC\)/);
    expect(full.stderr, 'the run itself is reported first').toMatch(/4 done; spent \$1\.60/);
    expect(Object.values((await readLock(dir, FILE)).jobs).map((entry) => entry.status)).toEqual(['completed', 'completed', 'completed', 'completed']);

    const again = await runCli(['render', FILE, '--base-url', emu.url, '--replace', 'hero[product=mug]', '--summary', dir], {
      cwd: dir,
      now: () => Date.now(),
      env: { NO_COLOR: '1' },
    });
    expectEnvironmentFailure(again, `cannot append the run summary to ${dir}`, /\(EISDIR\)/);
  });
});

describe('atomic writes', () => {
  it('a rename refused (the target is a directory) removes the temp file and names the target', async ({ onTestFinished }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-atomic-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const target = path.join(dir, 'x.lock.json');
    await mkdir(path.join(target, 'inside'), { recursive: true });
    const error = await writeFileAtomic(target, '{}\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).message).toContain(`cannot write ${target}`);
    expect((await readdir(dir)).sort()).toEqual(['x.lock.json']);
  });
});

describe('a full disk', () => {
  let prefix: readonly string[] | null = null;
  beforeAll(async () => {
    prefix = await smallDiskPrefix();
  }, 180_000);

  it('mid-download and mid-write: exit 6 naming the file, no .part or temp file left, the videos recorded and not created again', async ({
    onTestFinished,
    skip,
  }) => {
    if (prefix === null) skip('this machine cannot mount a private tmpfs (unshare -m / -rm): no real full disk to test with');
    const { emu, dir } = await renderProject(onTestFinished, { speed: 2000 });
    const small = path.join(dir, 'small');
    const results = path.join(dir, 'results');
    await mkdir(small);
    await mkdir(results);
    const bin = path.join(REPO, 'bin/shotlist.js');
    const atomic = `import(${JSON.stringify(path.join(REPO, 'dist/lockfile/lockfile-io.js'))}).then((m) => m.writeFileAtomic(process.argv[1], 'x'.repeat(1 << 20))).then(() => process.exit(0), (e) => { console.log(e.constructor.name + ': ' + e.message); process.exit(3); })`;
    // One shell in a private mount namespace: the tiny disk exists for these commands only.
    const script = [
      `mount -t tmpfs -o size=16k tmpfs "${small}" || exit 99`,
      `"${process.execPath}" "${bin}" render ${FILE} --base-url ${emu.url} --out "${small}" > "${results}/render.out" 2> "${results}/render.err"; echo $? > "${results}/render.code"`,
      `ls -a "${small}" > "${results}/after-render"`,
      `"${process.execPath}" --input-type=module -e '${atomic.replace(/'/g, `'\\''`)}' "${small}/big.json" > "${results}/atomic.out"; echo $? > "${results}/atomic.code"`,
      `ls -a "${small}" > "${results}/after-atomic"`,
    ].join('\n');
    await exec(prefix![0]!, [...prefix!.slice(1), 'sh', '-c', script], { cwd: dir, env: userEnv(), timeout: 120_000 });
    const read = (name: string) => readFile(path.join(results, name), 'utf8');

    const run = { code: Number(await read('render.code')), stderr: await read('render.err') };
    expectEnvironmentFailure(run, `cannot write ${small}/`, /no space left on the device \(ENOSPC\)/);
    expect(
      (await read('after-render')).split('\n').filter((name) => /\.part-|\.tmp-/.test(name)),
      'no partial download left',
    ).toEqual([]);
    expect(Number(await read('atomic.code'))).toBe(3);
    expect(await read('atomic.out')).toContain(`EnvironmentError: cannot write ${small}/big.json: no space left on the device (ENOSPC)`);
    expect(
      (await read('after-atomic')).split('\n').filter((name) => /big\.json/.test(name)),
      'no temp file of the failed write left',
    ).toEqual([]);

    // What the server made is in the lockfile: the next run (on a disk with room) creates nothing twice.
    const lock = await readLock(dir, FILE);
    const recorded = Object.values(lock.jobs).filter((entry) => entry.video_id !== null);
    expect(recorded.length).toBeGreaterThan(0);
    const second = await renderWith(emu, dir, FILE);
    expect(second.code, second.stderr).toBe(0);
    expect(Object.values(emu.stats().jobsPerRequest), 'no job created twice').toEqual([1, 1, 1, 1]);
  }, 180_000);
});
