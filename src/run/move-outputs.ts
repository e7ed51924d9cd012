import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, lstat, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { syncDirectory, syncFile } from '../files/durable.js';
import type { LockEntry, OutputFile } from '../lockfile/lockfile.js';
import type { PlannedMove } from '../plan/plan.js';
import type { LockRecorder } from './lock-recorder.js';
import { fileStemOf, outputPathsOf } from './output-names.js';
import { removeStaleFiles } from './stale-files.js';

/**
 * Carries out the plan's moves: an orphan entry adopted by a job (a renamed variant label or
 * shot, the same request) goes to the new job id with its video id, and its files are renamed
 * to the new job's names. Only a process holding the lockfile's lock may call this.
 *
 * Crash-safe in every order: each file is first linked (or copied) to a temp name and renamed
 * onto its new name, so the old file stays whole; then one lockfile write moves the entry; only
 * then is the old name removed. A crash before the write leaves the orphan and its files as they
 * were (the next run adopts it again); a crash after it leaves at most an old name behind.
 */

export interface MoveWhere {
  /** Absolute output directory: where the adopting job's files go. */
  readonly outDir: string;
  /** The lockfile's directory: recorded paths are relative to it. */
  readonly lockDir: string;
}

export async function applyMoves(recorder: LockRecorder, moves: readonly PlannedMove[], where: MoveWhere): Promise<void> {
  // Temp files of a move cut short by a crash (the lock says no other process is placing them).
  await removeStaleFiles(moves.flatMap((move) => (move.from === move.to ? [] : Object.values(outputPathsOf(where.outDir, fileStemOf(move.to))))));
  for (const move of moves) {
    const entry = recorder.entry(move.from);
    // Planned under the lock from this very lockfile, so the orphan is there; if not, nothing is left to move.
    if (!entry) continue;
    if (move.from === move.to) {
      await recorder.record(move.to, { ...entry, request: move.request });
      continue;
    }
    const placed = await placeOutputs(entry, outputPathsOf(where.outDir, fileStemOf(move.to)), where);
    await recorder.move(move.from, move.to, { ...entry, request: move.request, outputs: placed.outputs });
    const stillRecorded = new Set(Object.values(recorder.current.jobs).flatMap((e) => [e.outputs.video?.path, e.outputs.thumbnail?.path]));
    for (const old of placed.leftBehind) if (!stillRecorded.has(recordedPath(old, where.lockDir))) await rm(old, { force: true });
  }
}

type Kind = 'video' | 'thumbnail';

/**
 * Puts each recorded file of the entry at its new name (the old file stays); returns the
 * outputs as they will be recorded and the old files to remove once they are. A file that is not
 * there is left out (the plan downloads the video again); one outside the lockfile's directory,
 * or not a plain file, is not touched and stays recorded where it is.
 */
async function placeOutputs(
  entry: LockEntry,
  dest: Readonly<Record<Kind, string>>,
  where: MoveWhere,
): Promise<{ outputs: LockEntry['outputs']; leftBehind: string[] }> {
  const outputs: { video?: OutputFile; thumbnail?: OutputFile } = {};
  const leftBehind: string[] = [];
  const touched = new Set<string>();
  for (const kind of ['video', 'thumbnail'] as const) {
    const recorded = entry.outputs[kind];
    if (!recorded) continue;
    const from = path.resolve(where.lockDir, recorded.path);
    const to = dest[kind];
    if (from === to) {
      outputs[kind] = recorded;
      continue;
    }
    const state = await sourceState(from, where.lockDir);
    if (state === 'absent') continue;
    if (state === 'foreign') {
      outputs[kind] = recorded;
      continue;
    }
    await placeCopy(from, to);
    touched.add(path.dirname(to));
    outputs[kind] = { ...recorded, path: recordedPath(to, where.lockDir) };
    leftBehind.push(from);
  }
  // The new names must be on disk before the lockfile points at them.
  for (const dir of touched) await syncDirectory(dir);
  return { outputs, leftBehind };
}

/**
 * A recorded path is the lockfile's word, which is untrusted: only a plain file inside the
 * lockfile's directory (symlinks resolved) is moved, and so removed from its old name.
 */
async function sourceState(file: string, lockDir: string): Promise<'ok' | 'absent' | 'foreign'> {
  let info;
  try {
    info = await lstat(file);
  } catch {
    return 'absent';
  }
  if (!info.isFile()) return 'foreign';
  const [dir, root] = await Promise.all([realpath(path.dirname(file)), realpath(lockDir)]);
  const rel = path.relative(root, dir);
  return rel.startsWith('..') || path.isAbsolute(rel) ? 'foreign' : 'ok';
}

/** `to` becomes a complete copy of `from` in one rename: a hard link where the filesystem has them, else a synced copy. */
async function placeCopy(from: string, to: string): Promise<void> {
  // The temp name is one the next run removes as a leftover (see stale-files.ts).
  const temp = `${to}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    try {
      await link(from, temp);
    } catch {
      await copyFile(from, temp, constants.COPYFILE_EXCL);
      await syncFile(temp);
    }
    await rename(temp, to);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** An absolute path as the lockfile records it: relative to its directory, with `/`. */
function recordedPath(file: string, lockDir: string): string {
  return path.relative(lockDir, file).split(path.sep).join('/');
}
