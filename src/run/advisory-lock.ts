import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { LockBusyError } from '../errors.js';
import type { Clock } from './clock.js';

/**
 * The advisory lock beside the lockfile (`campaign.lock.json.lock`): one process at a time
 * submits work for a storyboard. A lock whose holder died on this host is stale and taken over.
 */

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly since: string;
}

export interface HeldLock {
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Wait for the holder to finish instead of failing at once. */
  readonly wait: boolean;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** How often a waiting process looks again. */
  readonly pollMs?: number;
  readonly onWait?: (holder: LockHolder) => void;
}

export async function acquireLock(lockPath: string, options: AcquireOptions): Promise<HeldLock> {
  const path = `${lockPath}.lock`;
  const me: LockHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  let told = false;
  for (;;) {
    if (await createLockFile(path, me)) return { release: () => releaseIfOurs(path, me) };
    const text = await readText(path);
    if (text === null) continue; // released meanwhile: race for it again
    const holder = parseHolder(text);
    if (holder === null || isStale(holder)) {
      // Dead holder (or a file no shotlist wrote whole): removed only if it is still the one judged
      // stale, then raced for again; exactly one contender's link wins.
      await removeIfUnchanged(path, text, me);
      continue;
    }
    if (!options.wait) {
      throw new LockBusyError(`${lockPath} is locked by pid ${holder.pid} on ${holder.host} since ${holder.since}; another shotlist is rendering this storyboard (use --wait to wait for it)`);
    }
    if (!told) options.onWait?.(holder);
    told = true;
    await options.clock.sleep(options.pollMs ?? 500, options.signal);
  }
}

/**
 * Creates the lock file whole or not at all: written beside it, then hard-linked into place
 * (which fails if it exists). A contender never reads a lock file half written, so never takes
 * a live holder's lock for a crashed one's. Also claims the embedded emulator's owner record.
 */
export async function createLockFile(path: string, me: LockHolder): Promise<boolean> {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(temp, `${JSON.stringify(me)}\n`, { flag: 'wx' });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Removes a stale lock unless another contender replaced it since it was read: contenders that
 * found it stale take turns through a guard file, and each re-reads the lock under the guard, so
 * none deletes the lock another has just taken. A guard left by a dead process is cleared.
 */
export async function removeIfUnchanged(path: string, judged: string, me: LockHolder): Promise<void> {
  const guard = `${path}.takeover`;
  if (!(await createLockFile(guard, me))) {
    const text = await readText(guard);
    const holder = text === null ? null : parseHolder(text);
    if (text !== null && (holder === null || isStale(holder))) await removeText(guard, text);
    return;
  }
  try {
    if ((await readText(path)) === judged) await rm(path, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

/** Removes `path` if it still holds `text` (a guard judged stale; the window left is a dead process's). */
async function removeText(path: string, text: string): Promise<void> {
  if ((await readText(path)) === text) await rm(path, { force: true });
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const holder = JSON.parse(text) as Partial<LockHolder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' && typeof holder.since === 'string' ? (holder as LockHolder) : null;
  } catch {
    return null;
  }
}

async function readHolder(path: string): Promise<LockHolder | null> {
  const text = await readText(path).catch(() => null);
  return text === null ? null : parseHolder(text);
}

/** Only a holder on this host can be checked; one on another host is trusted to be alive. */
export function isStale(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function releaseIfOurs(path: string, me: LockHolder): Promise<void> {
  const holder = await readHolder(path);
  if (holder && holder.pid === me.pid && holder.host === me.host && holder.since === me.since) await rm(path, { force: true });
}
