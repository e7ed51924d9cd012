import { execFile } from 'node:child_process';
import { copyFile, lstat, mkdir, readFile, readdir, readlink, realpath, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import ignore, { type Ignore } from 'ignore';

const run = promisify(execFile);

/**
 * The files of `root/sub` that belong to the project, as paths relative to `root/sub` (sorted,
 * `/`-separated): never what a user made there by running the README (a quickstart lockfile,
 * `renders/`, `.shotlist/`), so fixtures built from them are the same on every checkout.
 *
 * In a git checkout that is what git tracks (`git ls-files`: the index, so a new file counts
 * once it is added; tracked files deleted from the work tree are left out). In a copy without
 * git (a source tarball), the files that the `.gitignore` files do not exclude.
 */
export async function listProjectFiles(root: string, sub: string): Promise<string[]> {
  const files = (await gitTracked(root, sub)) ?? (await notIgnored(root, sub));
  return files.sort();
}

/** Copies `root/sub`'s project files (see listProjectFiles) into `dest`, keeping their layout; a symlink stays a symlink. */
export async function copyProjectFiles(root: string, sub: string, dest: string): Promise<void> {
  for (const file of await listProjectFiles(root, sub)) {
    const from = path.join(root, sub, file);
    const to = path.join(dest, file);
    await mkdir(path.dirname(to), { recursive: true });
    if ((await lstat(from)).isSymbolicLink()) await symlink(await readlink(from), to);
    else await copyFile(from, to);
  }
}

/** `null` when `root` is not the top of a git work tree (no git, no `.git`, or inside another repository). */
async function gitTracked(root: string, sub: string): Promise<string[] | null> {
  const git = (...args: string[]) => run('git', ['-C', root, ...args], { maxBuffer: 64 * 1024 * 1024 }).then(({ stdout }) => stdout);
  const top = await git('rev-parse', '--show-toplevel').catch(() => null);
  if (top === null || (await realpath(top.trim())) !== (await realpath(root))) return null;
  const listed = (await git('ls-files', '-z', '--', sub)).split('\0').filter((file) => file !== '');
  const prefix = sub === '.' ? '' : `${path.posix.normalize(sub.split(path.sep).join('/')).replace(/\/$/, '')}/`;
  const present = await Promise.all(
    listed.map(async (file) => (isFileOrLink(await lstat(path.join(root, file)).catch(() => null)) ? file.slice(prefix.length) : null)),
  );
  return present.filter((file): file is string => file !== null);
}

/**
 * Walks `root/sub` applying every `.gitignore` from `root` down, as git does: a deeper file's
 * verdict (ignore or `!` re-include) wins over a shallower one's, and an ignored folder is not
 * entered.
 */
async function notIgnored(root: string, sub: string): Promise<string[]> {
  const rules: { base: string; rules: Ignore }[] = [];
  const addRules = async (dir: string) => {
    const text = await readFile(path.join(root, dir, '.gitignore'), 'utf8').catch(() => null);
    if (text !== null) rules.push({ base: dir, rules: ignore().add(text) });
  };
  const ignored = (rel: string, isDir: boolean) => {
    for (const { base, rules: set } of [...rules].reverse()) {
      if (base !== '' && !rel.startsWith(`${base}/`)) continue;
      const verdict = set.test((base === '' ? rel : rel.slice(base.length + 1)) + (isDir ? '/' : ''));
      if (verdict.ignored || verdict.unignored) return verdict.ignored;
    }
    return false;
  };
  const start = sub === '.' ? '' : path.posix.normalize(sub.split(path.sep).join('/')).replace(/\/$/, '');
  // The .gitignore files above `sub` apply to it too.
  const parts = start === '' ? [] : start.split('/');
  for (let i = 0; i < parts.length; i++) await addRules(parts.slice(0, i).join('/'));
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const depth = rules.length;
    await addRules(dir);
    for (const entry of await readdir(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.name === '.git' || ignored(rel, entry.isDirectory())) continue;
      if (entry.isDirectory()) await walk(rel);
      else if (isFileOrLink(entry)) files.push(start === '' ? rel : rel.slice(start.length + 1));
    }
    rules.length = depth;
  };
  await walk(start);
  return files;
}

/** Regular files and symlinks (git tracks both); a tracked path that is now a folder or gone is left out. */
function isFileOrLink(entry: { isFile(): boolean; isSymbolicLink(): boolean } | null): boolean {
  return entry !== null && (entry.isFile() || entry.isSymbolicLink());
}
