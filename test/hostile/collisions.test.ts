import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startRenderEmulator } from '../render/helpers.js';
import { brokenPromises } from './helpers.js';

/**
 * Storyboards that would share what one of them owns are refused with a message naming both:
 * `a.yaml` and `a.yml` (or `A.yaml`) share `a.lock.json`; two storyboards of one folder with one
 * `name:` share `renders/<name>/`.
 */

function board(name: string, prompt = 'A mug on a counter.'): string {
  return `version: 1\nname: ${name}\nprovider: emulator\ndefaults: {model: sora-2, size: 1280x720, seconds: 4}\nshots:\n  - id: hero\n    prompt: ${prompt}\n`;
}

async function project(onTestFinished: (fn: () => Promise<void>) => void, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-collide-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, '.git'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('storyboards sharing a lockfile', () => {
  for (const [mine, theirs] of [
    ['a.yaml', 'a.yml'],
    ['a.yml', 'a.yaml'],
    ['a.yaml', 'A.yaml'],
    ['a.yaml', 'a.YML'],
  ] as const) {
    it(`${mine} beside ${theirs}: plan and render refuse, naming both and the lockfile, before anything is sent`, async ({ onTestFinished }) => {
      const emu = await startRenderEmulator();
      onTestFinished(() => emu.close());
      const dir = await project(onTestFinished, { [mine]: board('alpha'), [theirs]: board('beta', 'Another shot.') });
      for (const argv of [
        ['plan', mine],
        ['render', mine, '--base-url', emu.url],
        ['status', mine, '--offline'],
      ]) {
        const run = await runCli(argv, { cwd: dir, env: { NO_COLOR: '1' }, now: () => Date.now() });
        expect(brokenPromises(run, [2]), `${argv.join(' ')}: ${run.stderr}`).toEqual([]);
        expect(run.stderr).toContain(`error: ${mine} and ${theirs} share the lockfile ${mine.replace(/\.ya?ml$/i, '')}.lock.json`);
      }
      expect(emu.stats().requestsByRoute).toEqual({});
      expect((await readdir(dir)).filter((name) => name.endsWith('.lock.json'))).toEqual([]);
    });
  }

  it('not when the other file is no storyboard (an import, a CI file), nor a symlink to the storyboard itself', async ({ onTestFinished }) => {
    const dir = await project(onTestFinished, { 'a.yaml': board('alpha'), 'a.yml': 'vars:\n  brand: Acme\n', 'b.yaml': board('beta') });
    await symlink('b.yaml', path.join(dir, 'b.yml'));
    for (const file of ['a.yaml', 'b.yaml', 'b.yml']) {
      const run = await runCli(['plan', file], { cwd: dir, env: { NO_COLOR: '1' } });
      expect(run.code, `${file}: ${run.stderr}`).toBe(0);
    }
  });
});

describe('storyboards of one folder with one name', () => {
  it('render refuses to write renders/<name>/ for a second storyboard of that name, naming the other; --out names another place', async ({
    onTestFinished,
  }) => {
    const emu = await startRenderEmulator();
    onTestFinished(() => emu.close());
    const dir = await project(onTestFinished, { 'one.yaml': board('spring'), 'two.yaml': board('spring', 'Another shot.'), 'three.yaml': board('summer') });
    for (const file of ['one.yaml', 'two.yaml']) {
      const other = file === 'one.yaml' ? 'two.yaml' : 'one.yaml';
      for (const argv of [
        ['plan', file],
        ['render', file, '--base-url', emu.url],
        ['report', file],
      ]) {
        const run = await runCli(argv, { cwd: dir, env: { NO_COLOR: '1' }, now: () => Date.now() });
        expect(brokenPromises(run, [2]), `${argv.join(' ')}: ${run.stderr}`).toEqual([]);
        expect(run.stderr).toContain(`error: ${file} and ${other} are both named "spring": both would write renders/spring/`);
      }
    }
    expect(emu.stats().requestsByRoute).toEqual({});
    const other = await runCli(['render', 'three.yaml', '--base-url', emu.url], { cwd: dir, env: { NO_COLOR: '1' }, now: () => Date.now() });
    expect(other.code, other.stderr).toBe(0);
    const named = await runCli(['render', 'two.yaml', '--base-url', emu.url, '--out', 'renders/spring-two'], {
      cwd: dir,
      env: { NO_COLOR: '1' },
      now: () => Date.now(),
    });
    expect(named.code, named.stderr).toBe(0);
    expect((await readdir(path.join(dir, 'renders', 'spring-two'))).filter((f) => f.endsWith('.mp4'))).toEqual(['hero.mp4']);
  }, 60_000);

  it('a storyboard renamed since its last render is not a collision: the lockfile records the new name', async ({ onTestFinished }) => {
    const emu = await startRenderEmulator();
    onTestFinished(() => emu.close());
    const dir = await project(onTestFinished, { 'one.yaml': board('spring') });
    expect((await runCli(['render', 'one.yaml', '--base-url', emu.url], { cwd: dir, now: () => Date.now() })).code).toBe(0);
    await writeFile(path.join(dir, 'one.yaml'), board('autumn', 'A mug in the rain.'));
    const again = await runCli(['render', 'one.yaml', '--base-url', emu.url], { cwd: dir, env: { NO_COLOR: '1' }, now: () => Date.now() });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir, 'one.lock.json'), 'utf8'))).toMatchObject({ name: 'autumn' });
  }, 60_000);
});
