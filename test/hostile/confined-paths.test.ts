import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../src/lockfile/parse-lockfile.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { completedLockfile, writeFakeOutputs } from '../helpers/campaign-lock.js';
import { REPO, runCli } from '../helpers/cli.js';
import { startRecordingProxy } from '../providers/recording-proxy.js';
import { startRenderEmulator } from '../render/helpers.js';
import { brokenPromises, examplesProject, FUZZ_SEED } from './helpers.js';

/**
 * One rule for every path a lockfile, a default or a storyboard names: it must lead inside the
 * project (or a directory the user named with --out), through every symlink. A lockfile's
 * output path that leads elsewhere is a located lockfile error, and the file there is never
 * opened (it was read without bound, and hashed: a file-existence oracle); the default renders
 * directory may not lead out through a committed symlink; an input image is sent only as the
 * bytes that were checked.
 */

const BOARD = 'quickstart.yaml';
const LOCK = 'quickstart.lock.json';
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const HERO = 'hero[product=mug]';

let project: Awaited<ReturnType<typeof examplesProject>>;
let lock: Lockfile;
/** Outside the project: a file holding exactly the bytes the lockfile's hero entry records. */
let outside: string;

beforeAll(async () => {
  project = await examplesProject();
  const { loaded } = await loadStoryboard(BOARD, { cwd: project.dir });
  lock = completedLockfile(loaded!, NOW / 1000 - 3600);
  await writeFakeOutputs(project.dir, lock);
  outside = await mkdtemp(path.join(os.tmpdir(), 'shotlist-outside-'));
  await copyFile(path.join(project.dir, lock.jobs[HERO]!.outputs.video!.path), path.join(outside, 'hero.mp4'));
});

afterAll(async () => {
  await project?.cleanup();
  await rm(outside, { recursive: true, force: true });
});

/** The lockfile with the hero's recorded video path replaced. */
async function writeLockWithPath(recorded: string): Promise<void> {
  const entry = lock.jobs[HERO]!;
  const jobs = { ...lock.jobs, [HERO]: { ...entry, outputs: { video: { ...entry.outputs.video!, path: recorded } } } };
  await writeFile(path.join(project.dir, LOCK), serializeLockfile({ ...lock, jobs }));
}

/** Line and column of the hero's video path in the lockfile as written. */
async function heroPathPosition(): Promise<string> {
  const lines = (await readFile(path.join(project.dir, LOCK), 'utf8')).split('\n');
  const key = lines.findIndex((text) => text.startsWith(`    ${JSON.stringify(HERO)}: {`));
  const line = lines.findIndex((text, i) => i > key && text.includes('"path"'));
  return `${line + 1}:${lines[line]!.indexOf('"path"') + 9}`;
}

function plan(extra: readonly string[] = []) {
  return runCli(['plan', BOARD, ...extra], { cwd: project.dir, env: { NO_COLOR: '1' }, now: NOW });
}

describe("a lockfile's output paths", () => {
  it('leading out of the project (up, absolute, /proc, a device, through a symlink, to nothing): plan, status and report refuse them at their line and column, reading nothing there', async () => {
    await mkdir(path.join(project.dir, 'renders', 'links'), { recursive: true });
    await symlink(path.join(outside, 'hero.mp4'), path.join(project.dir, 'renders', 'links', 'out.mp4'));
    await symlink(outside, path.join(project.dir, 'renders', 'links', 'dir'));
    await symlink(path.join(outside, 'nothing-here'), path.join(project.dir, 'renders', 'links', 'dangling.mp4'));
    const relativeOutside = path.relative(project.dir, path.join(outside, 'hero.mp4'));
    const cases = [
      '../../../../proc/self/pagemap',
      '/etc/passwd',
      '/dev/zero',
      relativeOutside,
      path.join(outside, 'hero.mp4'),
      'renders/../../outside.mp4',
      'renders/links/out.mp4',
      'renders/links/dir/hero.mp4',
      'renders/links/dangling.mp4',
      'renders/\u0000x.mp4',
    ];
    for (const recorded of cases) {
      await writeLockWithPath(recorded);
      const where = await heroPathPosition();
      const started = performance.now();
      for (const argv of [
        ['plan', BOARD],
        ['status', BOARD, '--offline'],
        ['report', BOARD],
      ]) {
        const run = await runCli(argv, { cwd: project.dir, env: { NO_COLOR: '1' }, now: NOW });
        expect(brokenPromises(run, [2]), `${argv[0]} ${JSON.stringify(recorded)}: ${run.stderr}`).toEqual([]);
        expect(run.stderr).toContain(`error: ${LOCK}:${where} jobs["${HERO}"].outputs.video.path: `);
        expect(run.stderr).toMatch(/leads outside the project directory|leads through a symlink to nothing|holds a NUL character/);
      }
      // Refused before anything is read: /proc/self/pagemap would take minutes and gigabytes.
      expect(performance.now() - started, recorded).toBeLessThan(5_000);
    }
  }, 60_000);

  it('a file outside that holds exactly the recorded bytes is not an answer: never "reuse", however it is named (no hash oracle)', async () => {
    await writeLockWithPath(path.relative(project.dir, path.join(outside, 'hero.mp4')));
    const run = await plan(['--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).not.toContain('"action":"reuse"');
  });

  it('inside the project, or inside the --out directory named on the command line: read as before', async () => {
    await writeLockWithPath(lock.jobs[HERO]!.outputs.video!.path);
    const inside = await plan(['--json']);
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.events().find((e) => e['id'] === HERO)).toMatchObject({ action: 'reuse' });

    // Rendered with `--out <outside>`: the lockfile records a path leading there, and naming that directory again accepts it.
    await writeLockWithPath(path.relative(project.dir, path.join(outside, 'hero.mp4')));
    const named = await plan(['--json', '--out', outside]);
    expect(named.code, named.stderr).toBe(0);
    expect(named.events().find((e) => e['id'] === HERO)).toMatchObject({ action: 'reuse' });
    const status = await runCli(['status', BOARD, '--offline', '--json', '--out', outside], { cwd: project.dir, env: { NO_COLOR: '1' }, now: NOW });
    expect(
      status.events().find((e) => e['id'] === HERO),
      status.stderr,
    ).toMatchObject({ state: 'ok' });
  });

  it(`property: any recorded path is read if and only if it leads inside the project; otherwise exit 2 at its place (200 seeded paths)`, async () => {
    await writeLockWithPath(lock.jobs[HERO]!.outputs.video!.path);
    const segment = fc.oneof(
      fc.constantFrom('..', '.', 'renders', 'quickstart', 'links', 'dir', 'out.mp4', 'dangling.mp4', `${HERO}.mp4`, 'proc', 'etc', 'passwd', 'x'),
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }).filter((s) => !s.includes('/') && !s.includes('\\') && !s.includes('\u0000')),
    );
    const recordedArb = fc
      .tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 7 }))
      .map(([absolute, parts]) => `${absolute ? '/' : ''}${parts.join('/')}`);
    const seen = { inside: 0, outside: 0 };
    await fc.assert(
      fc.asyncProperty(recordedArb, async (recorded) => {
        await writeLockWithPath(recorded);
        const run = await plan(['--json']);
        const insideProject = leadsInside(project.dir, path.resolve(project.dir, recorded));
        seen[insideProject === true ? 'inside' : 'outside']++;
        if (insideProject === 'dangling' || !insideProject) {
          expect(brokenPromises(run, [2]), run.stderr).toEqual([]);
          expect(run.stderr).toContain(`error: ${LOCK}:${await heroPathPosition()} jobs["${HERO}"].outputs.video.path: `);
        } else {
          expect(brokenPromises(run, [0]), `${recorded}: ${run.stderr}`).toEqual([]);
        }
      }),
      { numRuns: 200, seed: FUZZ_SEED },
    );
    // Both sides of the rule were exercised, not only the refusals.
    expect(seen.inside).toBeGreaterThan(20);
    expect(seen.outside).toBeGreaterThan(20);
  }, 120_000);
});

/** The model the property checks against: follow the path component by component, as the kernel does. */
function leadsInside(root: string, target: string): boolean | 'dangling' {
  const realRoot = realpathSync(root);
  let current = '/';
  const parts = target.split('/').filter((p) => p !== '' && p !== '.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '..') {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, part);
    const info = lstatSync(next, { throwIfNoEntry: false });
    if (info?.isSymbolicLink()) {
      try {
        current = realpathSync(next);
      } catch {
        return 'dangling';
      }
      continue;
    }
    if (info === undefined) {
      // Nothing there: the rest is as written.
      current = path.resolve(next, ...parts.slice(i + 1));
      break;
    }
    current = next;
  }
  const relative = path.relative(realRoot, current);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

describe('the default renders directory', () => {
  it('a committed symlink renders -> /elsewhere: render refuses before anything is sent, writes nothing there; --out naming the place writes there', async ({
    onTestFinished,
  }) => {
    const emu = await startRenderEmulator();
    onTestFinished(() => emu.close());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-renders-link-'));
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'shotlist-elsewhere-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    onTestFinished(() => rm(elsewhere, { recursive: true, force: true }));
    await mkdir(path.join(dir, '.git'));
    await copyFile(path.join(REPO, 'examples', BOARD), path.join(dir, BOARD));
    await symlink(elsewhere, path.join(dir, 'renders'));
    for (const command of ['render', 'report']) {
      const run = await runCli([command, BOARD, ...(command === 'render' ? ['--base-url', emu.url] : [])], {
        cwd: dir,
        env: { NO_COLOR: '1' },
        now: () => Date.now(),
      });
      expect(brokenPromises(run, [2]), run.stderr).toEqual([]);
      expect(run.stderr).toContain(
        `the renders directory renders/quickstart leads outside the project directory (to ${path.join(elsewhere, 'quickstart')}, through a symlink)`,
      );
      expect(run.stderr).toContain(`--out ${path.join(elsewhere, 'quickstart')}`);
    }
    expect(emu.stats().requestsByRoute).toEqual({});
    expect(await readdir(elsewhere)).toEqual([]);

    const named = await runCli(['render', BOARD, '--base-url', emu.url, '--out', path.join(elsewhere, 'quickstart')], {
      cwd: dir,
      env: { NO_COLOR: '1' },
      now: () => Date.now(),
    });
    expect(named.code, named.stderr).toBe(0);
    expect((await readdir(path.join(elsewhere, 'quickstart'))).filter((name) => name.endsWith('.mp4'))).toHaveLength(4);
  });

  it('a symlink that stays inside the project is followed as before', async ({ onTestFinished }) => {
    const emu = await startRenderEmulator();
    onTestFinished(() => emu.close());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-renders-link-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await mkdir(path.join(dir, '.git'));
    await mkdir(path.join(dir, 'videos'));
    await copyFile(path.join(REPO, 'examples', BOARD), path.join(dir, BOARD));
    await symlink('videos', path.join(dir, 'renders'));
    const run = await runCli(['render', BOARD, '--base-url', emu.url], { cwd: dir, env: { NO_COLOR: '1' }, now: () => Date.now() });
    expect(run.code, run.stderr).toBe(0);
    expect((await readdir(path.join(dir, 'videos', 'quickstart'))).filter((name) => name.endsWith('.mp4'))).toHaveLength(4);
  });

  it('a committed .shotlist -> /elsewhere: the embedded emulator refuses to keep its state there, and plan keeps its hash cache in memory', async ({
    onTestFinished,
  }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-state-link-'));
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'shotlist-elsewhere-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    onTestFinished(() => rm(elsewhere, { recursive: true, force: true }));
    await mkdir(path.join(dir, '.git'));
    await copyFile(path.join(REPO, 'examples', BOARD), path.join(dir, BOARD));
    await symlink(elsewhere, path.join(dir, '.shotlist'));
    const planned = await runCli(['plan', BOARD], { cwd: dir, env: { NO_COLOR: '1' }, now: NOW });
    expect(planned.code, planned.stderr).toBe(0);
    for (const argv of [
      ['render', BOARD],
      ['gc', BOARD, '--dry-run'],
    ]) {
      const run = await runCli(argv, { cwd: dir, env: { NO_COLOR: '1' }, now: () => Date.now() });
      expect(brokenPromises(run, [2]), `${argv.join(' ')}: ${run.stderr}`).toEqual([]);
      expect(run.stderr).toContain(
        `the embedded emulator's state directory .shotlist/emulator leads outside the project directory (to ${path.join(elsewhere, 'emulator')})`,
      );
    }
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('a lockfile that is a symlink out of the project, or a FIFO, is refused, not followed or read', async ({ onTestFinished }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-lock-link-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await mkdir(path.join(dir, '.git'));
    await copyFile(path.join(REPO, 'examples', BOARD), path.join(dir, BOARD));
    await symlink('/etc/passwd', path.join(dir, LOCK));
    const run = await runCli(['plan', BOARD], { cwd: dir, env: { NO_COLOR: '1' }, now: NOW });
    expect(brokenPromises(run, [2]), run.stderr).toEqual([]);
    expect(run.stderr).toContain(`error: ${LOCK} is a symlink leading outside the project directory (to /etc/passwd)`);
    expect(run.stderr).not.toContain('root:');

    // A FIFO where the lockfile should be would block a read forever: refused by its type.
    await rm(path.join(dir, LOCK));
    await promisify(execFile)('mkfifo', [path.join(dir, LOCK)]);
    const fifo = await runCli(['plan', BOARD], { cwd: dir, env: { NO_COLOR: '1' }, now: NOW });
    expect(brokenPromises(fifo, [2]), fifo.stderr).toEqual([]);
    expect(fifo.stderr).toContain(`error: ${LOCK} is not a regular file`);
  });
});

describe('an input image swapped after it was checked', () => {
  const IMAGE_BOARD = `version: 1
name: swap
provider: emulator
defaults: {model: sora-2, size: 1280x720, seconds: 4}
shots:
  - id: first
    prompt: A text-only shot that holds the one slot.
  - id: still
    input_reference: assets/mug.png
    prompt: The mug comes alive.
`;

  for (const swap of ['a symlink out of the project', 'another picture inside it'] as const) {
    it(`for ${swap}: the create is not sent, the job fails saying why, the lockfile records no other bytes`, async ({ onTestFinished }) => {
      const emu = await startRenderEmulator({ speed: 50 });
      onTestFinished(() => emu.close());
      const proxy = await startRecordingProxy(emu.url);
      onTestFinished(() => proxy.close());
      const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-swap-'));
      const away = await mkdtemp(path.join(os.tmpdir(), 'shotlist-swap-away-'));
      onTestFinished(() => rm(dir, { recursive: true, force: true }));
      onTestFinished(() => rm(away, { recursive: true, force: true }));
      await mkdir(path.join(dir, '.git'));
      await mkdir(path.join(dir, 'assets'));
      await writeFile(path.join(dir, 'swap.yaml'), IMAGE_BOARD);
      const png = await readFile(path.join(REPO, 'examples/assets/mug-1280x720.png'));
      await writeFile(path.join(dir, 'assets/mug.png'), png);
      // A valid picture of the right size, but other bytes, and a marker to look for in what was sent.
      const marker = `NOT-THE-CHECKED-IMAGE-${Math.random().toString(36).slice(2)}`;
      const other = Buffer.concat([png, Buffer.from(marker)]);
      const otherPath = swap === 'a symlink out of the project' ? path.join(away, 'other.png') : path.join(dir, 'assets/other.png');
      await writeFile(otherPath, other);

      let swapped = false;
      const run = await runCli(['render', 'swap.yaml', '--base-url', `${proxy.origin}/v1`, '--concurrency', '1', '--json'], {
        cwd: dir,
        env: { NO_COLOR: '1' },
        now: () => Date.now(),
        onOutput: ({ stdout }) => {
          // The image was read and checked when the storyboard loaded; it is swapped while the first job holds the slot.
          if (!swapped && stdout.includes('"state":"queued"')) {
            swapped = true;
            const target = path.join(dir, 'assets/mug.png');
            // Synchronously, inside the CLI's own write: swapped before the run can go on, however loaded the machine.
            rmSync(target);
            symlinkSync(otherPath, target);
          }
        },
      });
      expect(swapped).toBe(true);
      expect(run.code, run.stderr).toBe(1);
      const result = run.events().find((e) => e['event'] === 'job' && e['id'] === 'still' && e['state'] === 'failed');
      expect(String(result?.['message'])).toMatch(
        /input_reference assets\/mug\.png (now leads outside the project directory|changed \(its sha256 differs\)) since it was checked; nothing was sent/,
      );
      const creates = proxy.requests.filter((r) => r.method === 'POST');
      expect(creates, 'only the text-only job was created').toHaveLength(1);
      expect(
        proxy.requests.some((r) => r.body.includes(marker)),
        'the swapped bytes never left',
      ).toBe(false);
      const written = JSON.parse(await readFile(path.join(dir, 'swap.lock.json'), 'utf8')) as Lockfile;
      expect(written.jobs['still'], 'nothing recorded for a create never sent').toBeUndefined();
      expect(createHash('sha256').update(other).digest('hex')).not.toBe(createHash('sha256').update(png).digest('hex'));
    }, 60_000);
  }
});
