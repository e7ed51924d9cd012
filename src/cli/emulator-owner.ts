import { mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../lockfile/lockfile-io.js';
import { createLockFile, isStale, removeIfUnchanged, type LockHolder } from '../run/advisory-lock.js';

/**
 * `.shotlist/emulator/owner.json`: which shotlist process serves a project's embedded emulator.
 * Only that process runs an emulator on the state directory (two would advance and persist the
 * same jobs each on its own); every other shotlist of the project talks to it over HTTP.
 *
 * The record is claimed whole or not at all (written beside, hard-linked into place, as the
 * render lock is), first without a URL while the emulator starts, then rewritten atomically
 * with it. Its owner removes it after closing the emulator; a record whose process died is
 * removed by whoever finds it stale, through the render lock's guarded takeover.
 */

const OWNER_FILE = 'owner.json';

/** Who serves the embedded emulator, and how. */
export interface EmulatorOwner extends LockHolder {
  readonly version: 1;
  /** Base URL with its `/v1`; null while the owner is still starting the emulator. */
  readonly url: string | null;
  /** The emulator's time scale: a process that joins gets the owner's, whatever it asked for. */
  readonly speed: number;
}

/** A record as read. `text` is what a takeover compares against, so that it never removes a newer record. */
export interface OwnerRecord {
  readonly text: string;
  /** null: not a record this version of shotlist wrote whole; treated as stale. */
  readonly owner: EmulatorOwner | null;
}

export function ownerPath(stateDir: string): string {
  return path.join(stateDir, OWNER_FILE);
}

/** A record for this process, not yet serving. */
export function newOwner(speed: number): EmulatorOwner {
  return { version: 1, pid: process.pid, host: os.hostname(), since: new Date().toISOString(), url: null, speed };
}

/** As `createLockFile` writes it: the text `releaseOwner` recognizes as its own. */
function serializeOwner(owner: EmulatorOwner): string {
  return `${JSON.stringify(owner)}\n`;
}

export async function readOwner(stateDir: string): Promise<OwnerRecord | null> {
  let text: string;
  try {
    text = await readFile(ownerPath(stateDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return { text, owner: parseOwner(text) };
}

/** Creates the record if there is none; false if another process holds it. */
export async function claimOwner(stateDir: string, owner: EmulatorOwner): Promise<boolean> {
  await mkdir(stateDir, { recursive: true });
  return createLockFile(ownerPath(stateDir), owner);
}

/** Replaces the claimed record with one that carries the URL; readers see one or the other whole. */
export async function publishOwner(stateDir: string, owner: EmulatorOwner): Promise<void> {
  await writeFileAtomic(ownerPath(stateDir), serializeOwner(owner));
}

/** Removes the record if it is still this one (a process that took over a slow stop keeps its own). */
export async function releaseOwner(stateDir: string, owner: EmulatorOwner): Promise<void> {
  const record = await readOwner(stateDir);
  if (record?.text === serializeOwner(owner)) await rm(ownerPath(stateDir), { force: true });
}

/** Removes a record judged stale, unless it changed since it was read (see `removeIfUnchanged`). */
export async function removeStaleOwner(stateDir: string, judged: string): Promise<void> {
  const { pid, host, since } = newOwner(0);
  await removeIfUnchanged(ownerPath(stateDir), judged, { pid, host, since });
}

/** The owner's process is gone: only checkable on this host, like the render lock's holder. */
export function ownerIsDead(owner: EmulatorOwner): boolean {
  return isStale(owner);
}

export function onThisHost(owner: EmulatorOwner): boolean {
  return owner.host === os.hostname();
}

function parseOwner(text: string): EmulatorOwner | null {
  try {
    const owner = JSON.parse(text) as Partial<EmulatorOwner>;
    const valid =
      owner.version === 1 &&
      typeof owner.pid === 'number' &&
      typeof owner.host === 'string' &&
      typeof owner.since === 'string' &&
      (owner.url === null || typeof owner.url === 'string') &&
      typeof owner.speed === 'number';
    return valid ? (owner as EmulatorOwner) : null;
  } catch {
    return null;
  }
}
