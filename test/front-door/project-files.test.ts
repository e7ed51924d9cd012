import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyExamples, REPO } from '../helpers/cli.js';
import { copyProjectFiles, listProjectFiles } from '../helpers/tracked-files.js';

/**
 * Test fixtures are built from the project's files only: after a user ran the README's
 * quickstart in the checkout (a lockfile, renders/ and .shotlist/ beside the examples), every
 * fixture copied from examples/ must still be what the repository holds, or every job of the
 * quickstart is "reused" and the tests that render it fail.
 */

const run = promisify(execFile);

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'shotlist-files-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function write(files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
}

const git = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-C', root, ...args]);

/** What the repository holds: the ignore rules, two storyboards, an image, a nested rule set. */
const PROJECT = {
  '.gitignore': 'node_modules/\nrenders/\n.shotlist/\nexamples/**/*.lock.json\n',
  'examples/quickstart.yaml': 'version: 1\n',
  'examples/campaign.yaml': 'version: 1\n',
  'examples/assets/mug.png': 'png',
  'examples/fixtures/.gitignore': '!*.lock.json\n*.tmp\n',
  'examples/fixtures/kept.lock.json': '{}\n',
};

/** What running the README leaves behind in examples/. */
const USER_OUTPUT = {
  'examples/quickstart.lock.json': '{}\n',
  'examples/renders/quickstart/hero[product=mug].mp4': 'mp4',
  'examples/.shotlist/emulator/state.json': '{}\n',
  'examples/.shotlist/cache/hashes.json': '{}\n',
  'examples/fixtures/scratch.tmp': 'x',
};

describe('fixtures come from the project files only', () => {
  it('in a git checkout: the tracked files, not what the quickstart wrote, not untracked files, not tracked files deleted since', async () => {
    await write({ ...PROJECT, 'examples/gone.yaml': 'version: 1\n' });
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'project');
    await rm(path.join(root, 'examples/gone.yaml'));
    await write({ ...USER_OUTPUT, 'examples/mine.yaml': 'version: 1\n' });

    expect(await listProjectFiles(root, 'examples')).toEqual([
      'assets/mug.png',
      'campaign.yaml',
      'fixtures/.gitignore',
      'fixtures/kept.lock.json',
      'quickstart.yaml',
    ]);
  });

  it('in a copy without git (a source tarball): every file the .gitignore files do not exclude, nested rules and `!` included', async () => {
    await write({ ...PROJECT, ...USER_OUTPUT, 'examples/mine.yaml': 'version: 1\n' });

    expect(await listProjectFiles(root, 'examples')).toEqual([
      'assets/mug.png',
      'campaign.yaml',
      'fixtures/.gitignore',
      'fixtures/kept.lock.json',
      'mine.yaml',
      'quickstart.yaml',
    ]);
  });

  it('a tarball unpacked inside another repository is judged by its own .gitignore, not by that repository', async () => {
    await git('init', '-q');
    await write({ ...Object.fromEntries(Object.entries({ ...PROJECT, ...USER_OUTPUT }).map(([file, text]) => [`vendor/shotlist/${file}`, text])) });

    const project = path.join(root, 'vendor/shotlist');
    expect(await listProjectFiles(project, 'examples')).toEqual([
      'assets/mug.png',
      'campaign.yaml',
      'fixtures/.gitignore',
      'fixtures/kept.lock.json',
      'quickstart.yaml',
    ]);
  });

  it('copies keep the layout, and a symlink stays a symlink', async () => {
    await write(PROJECT);
    await symlink('quickstart.yaml', path.join(root, 'examples/alias.yaml'));
    const dest = path.join(root, 'copy');
    await copyProjectFiles(root, 'examples', dest);

    expect(
      (await readdir(dest, { recursive: true, withFileTypes: true }))
        .filter((e) => !e.isDirectory())
        .map((e) => path.relative(dest, path.join(e.parentPath, e.name)))
        .sort(),
    ).toEqual(['alias.yaml', 'assets/mug.png', 'campaign.yaml', 'fixtures/.gitignore', 'fixtures/kept.lock.json', 'quickstart.yaml']);
    expect((await readdir(dest, { withFileTypes: true })).find((e) => e.name === 'alias.yaml')!.isSymbolicLink()).toBe(true);
  });

  it("copyExamples() holds exactly this repository's example files", async () => {
    const { dir, cleanup } = await copyExamples();
    try {
      const copied = (await readdir(dir, { recursive: true, withFileTypes: true }))
        .filter((e) => !e.isDirectory())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
      expect(copied.sort()).toEqual(await listProjectFiles(REPO, 'examples'));
      expect(copied).toContain('quickstart.yaml');
      expect(copied.filter((file) => file.endsWith('.lock.json') || file.startsWith('renders/') || file.startsWith('.shotlist/'))).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
