import { readFile, rm, writeFile } from 'node:fs/promises';
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
    try {
      await writeFile(path, `${JSON.stringify(me)}\n`, { flag: 'wx' });
      return { release: () => releaseIfOurs(path, me) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(path);
    if (holder === null || isStale(holder)) {
      // Dead holder (or an unreadable file from a crash mid-write): remove and race for it again;
      // `wx` lets exactly one contender win.
      await rm(path, { force: true });
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

async function readHolder(path: string): Promise<LockHolder | null> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' && typeof holder.since === 'string' ? (holder as LockHolder) : null;
  } catch {
    return null;
  }
}

/** Only a holder on this host can be checked; one on another host is trusted to be alive. */
function isStale(holder: LockHolder): boolean {
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
