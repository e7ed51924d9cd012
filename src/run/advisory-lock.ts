import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { link, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { LockBusyError } from '../errors.js';
import { asEnvironmentError, onEnvironment } from '../files/environment-error.js';
import { readBounded } from '../files/read-bounded.js';
import type { Clock } from './clock.js';
import { defaultLookupMethod, ownStart, readProcessState, type LookupMethod } from './process-start.js';

/**
 * The advisory lock beside the lockfile (`campaign.lock.json.lock`): one process at a time
 * submits work for a storyboard. Its holder is judged by more than a live pid, which a reboot or
 * a long uptime hands to another process (pid 1 is always alive):
 *
 * - on this host, the record's process start (see process-start.ts) must be the live pid's:
 *   another start is a stranger with a reused pid, and the lock is taken over at once; a pid
 *   that started after the record says the lock was taken is one too;
 * - the same process, stopped (Ctrl-Z, SIGSTOP), keeps the lock: resumed, it would go on
 *   writing the lockfile, so taking over would make two writers. It is named as suspended;
 * - where the start cannot be compared (another host, a platform that cannot tell, a record of
 *   an older shotlist), the holder's heartbeat decides: a holder touches the file every
 *   `HEARTBEAT_MS`, and one silent for `STALE_AFTER_MS` is gone.
 */

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly since: string;
  /** The holder's process start as its host tells it (process-start.ts); null where it cannot. Absent in records of older shotlists. */
  readonly start?: string | null;
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
  readonly onWait?: (holder: LockHolder, judged: Judgement) => void;
  /** Heartbeat timing; defaults `HEARTBEAT_MS` and `STALE_AFTER_MS` (tests shorten them). */
  readonly heartbeat?: HeartbeatTiming;
}

export interface HeartbeatTiming {
  readonly everyMs: number;
  readonly staleAfterMs: number;
  /** How process starts are read; default the platform's. */
  readonly lookup?: LookupMethod;
}

/** A holder touches its lock (and an emulator owner its record) this often. */
export const HEARTBEAT_MS = 5_000;
/** A record whose heartbeat is older than this, where the start cannot be compared, is taken over. */
export const STALE_AFTER_MS = 30_000;
const DEFAULT_TIMING: HeartbeatTiming = { everyMs: HEARTBEAT_MS, staleAfterMs: STALE_AFTER_MS };
/** Clocks and `since` are written to the millisecond, process starts read to a tick or a second. */
const START_SLACK_MS = 2_000;

/** What a record says of its holder, once checked. */
export type Judgement = { readonly verdict: 'alive' } | { readonly verdict: 'suspended' } | { readonly verdict: 'stale'; readonly why: string };

/** Largest lock or owner record read: a few hundred bytes are written. */
const MAX_RECORD_BYTES = 64 * 1024;

export async function acquireLock(lockPath: string, options: AcquireOptions): Promise<HeldLock> {
  const path = `${lockPath}.lock`;
  const timing = options.heartbeat ?? DEFAULT_TIMING;
  const me = await newHolder(timing.lookup);
  let told = false;
  for (;;) {
    if (await createLockFile(path, me)) return holdWithHeartbeat(path, me, timing);
    const record = await readRecord(path);
    if (record === null) continue; // released meanwhile: race for it again
    const holder = parseHolder(record.text);
    const judged: Judgement =
      holder === null ? { verdict: 'stale', why: 'not a record shotlist wrote whole' } : await judgeHolder(holder, record.ageMs, timing);
    if (judged.verdict === 'stale') {
      // Gone (or a file no shotlist wrote whole): removed only if it is still the one judged
      // stale, then raced for again; exactly one contender's link wins.
      await removeIfUnchanged(path, record.text, me, timing);
      continue;
    }
    if (!options.wait)
      throw new LockBusyError(
        `${lockPath} is locked by ${describeHolder(holder!, judged)}; another shotlist is rendering this storyboard (use --wait to wait for it)`,
      );
    if (!told) options.onWait?.(holder!, judged);
    told = true;
    await options.clock.sleep(options.pollMs ?? 500, options.signal);
  }
}

/** "pid 12 on host since 2026-…", with what is known of its state. */
export function describeHolder(holder: LockHolder, judged: Judgement): string {
  const suspended = judged.verdict === 'suspended' ? ` (suspended: it keeps the lock until it is resumed, e.g. \`kill -CONT ${holder.pid}\`, or ended)` : '';
  return `pid ${holder.pid} on ${holder.host} since ${holder.since}${suspended}`;
}

/** A record for this process, taking something now. */
export async function newHolder(lookup?: LookupMethod): Promise<LockHolder> {
  return { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), start: await ownStart(lookup) };
}

/**
 * Whether the holder a record names is still there (see the module comment). `ageMs`: how long
 * since the record was last touched (its heartbeat).
 */
export async function judgeHolder(holder: LockHolder, ageMs: number, timing: HeartbeatTiming = DEFAULT_TIMING): Promise<Judgement> {
  const silent = ageMs > timing.staleAfterMs;
  const silence = `its heartbeat stopped ${Math.round(ageMs / 1000)} s ago`;
  if (holder.host !== os.hostname()) return silent ? { verdict: 'stale', why: `a holder on another host, and ${silence}` } : { verdict: 'alive' };
  const state = await readProcessState(holder.pid, timing.lookup ?? defaultLookupMethod());
  if (state === 'gone') return { verdict: 'stale', why: `pid ${holder.pid} is no longer running` };
  if (state === null) {
    // This platform cannot tell who the pid is now: a live holder heartbeats.
    return isAlive(holder.pid) && !silent
      ? { verdict: 'alive' }
      : { verdict: 'stale', why: isAlive(holder.pid) ? silence : `pid ${holder.pid} is no longer running` };
  }
  // This host can tell process starts: a record of it that carries none was not written by a shotlist here.
  if (holder.start === null)
    return { verdict: 'stale', why: `the record of pid ${holder.pid} names no process start, which a shotlist on this host always records` };
  if (typeof holder.start === 'string') {
    if (holder.start !== state.start) return { verdict: 'stale', why: `pid ${holder.pid} is now another process (it started at another time)` };
    return state.stopped ? { verdict: 'suspended' } : { verdict: 'alive' };
  }
  // A record without a start (an older shotlist's, or a platform that could not read it).
  const since = Date.parse(holder.since);
  if (state.startedAtMs !== null && Number.isFinite(since) && state.startedAtMs > since + START_SLACK_MS) {
    return { verdict: 'stale', why: `pid ${holder.pid} started after the lock was taken: it is another process` };
  }
  if (state.stopped) return { verdict: 'suspended' };
  return silent ? { verdict: 'stale', why: silence } : { verdict: 'alive' };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock, held: its file is touched every `everyMs` until released, so that other hosts (and platforms) can tell it is alive. */
function holdWithHeartbeat(path: string, me: LockHolder, timing: HeartbeatTiming): HeldLock {
  const timer = startHeartbeat(path, timing.everyMs);
  return {
    release: async () => {
      clearInterval(timer);
      await releaseIfOurs(path, me);
    },
  };
}

/** Touches `path` every `everyMs`; the timer does not keep the process alive. A failed touch (the file was taken over) is left to the next judge. */
export function startHeartbeat(path: string, everyMs: number): NodeJS.Timeout {
  const timer = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, everyMs);
  timer.unref();
  return timer;
}

/**
 * Creates the lock file whole or not at all: written beside it, then hard-linked into place
 * (which fails if it exists). A contender never reads a lock file half written, so never takes
 * a live holder's lock for a crashed one's. Also claims the embedded emulator's owner record.
 */
export async function createLockFile(path: string, me: LockHolder): Promise<boolean> {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await onEnvironment('write', path, () => writeFile(temp, `${JSON.stringify(me)}\n`, { flag: 'wx' }));
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw asEnvironmentError(error, 'create', path);
    return false;
  } finally {
    // Whatever happened (a full disk mid-write included), no temp file stays behind.
    await rm(temp, { force: true }).catch(() => undefined);
  }
}

/**
 * Removes a stale lock unless another contender replaced it since it was read: contenders that
 * found it stale take turns through a guard file, and each re-reads the lock under the guard, so
 * none deletes the lock another has just taken. A guard left by a dead process is cleared.
 */
export async function removeIfUnchanged(path: string, judged: string, me: LockHolder, timing: HeartbeatTiming = DEFAULT_TIMING): Promise<void> {
  const guard = `${path}.takeover`;
  if (!(await createLockFile(guard, me))) {
    const record = await readRecord(guard);
    const holder = record === null ? null : parseHolder(record.text);
    if (record !== null && (holder === null || (await judgeHolder(holder, record.ageMs, timing)).verdict === 'stale')) await removeText(guard, record.text);
    return;
  }
  try {
    if ((await readRecord(path))?.text === judged) await rm(path, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

/** Removes `path` if it still holds `text` (a guard judged stale; the window left is a dead process's). */
async function removeText(path: string, text: string): Promise<void> {
  if ((await readRecord(path))?.text === text) await rm(path, { force: true });
}

/** A record's text and how long ago it was last touched; null when there is none. */
export async function readRecord(path: string): Promise<{ readonly text: string; readonly ageMs: number } | null> {
  const read = await readBounded(path, MAX_RECORD_BYTES);
  if (!read.ok) {
    if (read.reason === 'missing') return null;
    // Not a regular file, or too large: not a record any shotlist wrote; judged stale by its text.
    if (read.reason !== 'unreadable') return { text: `<${read.reason}>`, ageMs: Number.POSITIVE_INFINITY };
    throw read.error;
  }
  const mtimeMs = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return { text: read.bytes.toString('utf8'), ageMs: Math.max(0, Date.now() - mtimeMs) };
}

export function parseHolder(text: string): LockHolder | null {
  try {
    const holder = JSON.parse(text) as Partial<LockHolder>;
    const valid =
      typeof holder.pid === 'number' &&
      Number.isSafeInteger(holder.pid) &&
      typeof holder.host === 'string' &&
      typeof holder.since === 'string' &&
      (holder.start === undefined || holder.start === null || typeof holder.start === 'string');
    return valid ? (holder as LockHolder) : null;
  } catch {
    return null;
  }
}

async function releaseIfOurs(path: string, me: LockHolder): Promise<void> {
  const record = await readRecord(path).catch(() => null);
  const holder = record === null ? null : parseHolder(record.text);
  if (holder && holder.pid === me.pid && holder.host === me.host && holder.since === me.since) await rm(path, { force: true });
}
