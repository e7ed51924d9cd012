import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../lockfile/lockfile-io.js';
import {
  createLockFile,
  judgeHolder,
  newHolder,
  readRecord,
  removeIfUnchanged,
  type HeartbeatTiming,
  type Judgement,
  type LockHolder,
} from '../run/advisory-lock.js';

/**
 * `.shotlist/emulator/owner.json`: which shotlist process serves a project's embedded emulator.
 * Only that process runs an emulator on the state directory (two would advance and persist the
 * same jobs each on its own); every other shotlist of the project talks to it over HTTP.
 *
 * The record is claimed whole or not at all (written beside, hard-linked into place, as the
 * render lock is), first without a URL while the emulator starts, then rewritten atomically
 * with it. Its owner removes it after closing the emulator, and touches it while serving (its
 * heartbeat); a record whose process is gone is removed by whoever finds it stale, through the
 * render lock's guarded takeover.
 *
 * The record is untrusted (a file in the project, maybe committed): its URL must be a literal
 * loopback address, its owner a live process whose start matches (a planted record never
 * does), and the server there must prove it was started by that owner by answering a challenge
 * keyed with the record's random token before anything, credentials least of all, is sent to it.
 */

const OWNER_FILE = 'owner.json';
/** Records written by this version; others (older shotlists' included) are not trusted and are taken over. */
const OWNER_VERSION = 2;

/** Who serves the embedded emulator, and how. */
export interface EmulatorOwner extends LockHolder {
  readonly version: typeof OWNER_VERSION;
  /** Base URL with its `/v1`, on a literal loopback address; null while the owner is still starting the emulator. */
  readonly url: string | null;
  /** The emulator's time scale: a process that joins gets the owner's, whatever it asked for. */
  readonly speed: number;
  /** A random secret of this owner: its emulator proves it knows it (see prove-emulator.ts) before it is used. */
  readonly token: string;
}

/** A record as read. `text` is what a takeover compares against, so that it never removes a newer record. */
export interface OwnerRecord {
  readonly text: string;
  /** null: not a record this version of shotlist wrote whole (or with a URL off this machine); treated as stale. */
  readonly owner: EmulatorOwner | null;
  /** Since the record was last touched by its owner's heartbeat. */
  readonly ageMs: number;
}

export function ownerPath(stateDir: string): string {
  return path.join(stateDir, OWNER_FILE);
}

/** A record for this process, not yet serving. */
export async function newOwner(speed: number): Promise<EmulatorOwner> {
  return { version: OWNER_VERSION, ...(await newHolder()), url: null, speed, token: randomBytes(32).toString('hex') };
}

/** As `createLockFile` writes it: the text `releaseOwner` recognizes as its own. */
function serializeOwner(owner: EmulatorOwner): string {
  return `${JSON.stringify(owner)}\n`;
}

export async function readOwner(stateDir: string): Promise<OwnerRecord | null> {
  const record = await readRecord(ownerPath(stateDir));
  return record === null ? null : { ...record, owner: parseOwner(record.text) };
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
  await removeIfUnchanged(ownerPath(stateDir), judged, await newHolder());
}

/** Whether the record's owner is still there, as the render lock's holder is judged (start, host, heartbeat). */
export async function judgeOwner(record: OwnerRecord, timing?: HeartbeatTiming): Promise<Judgement> {
  if (record.owner === null) return { verdict: 'stale', why: 'not a record this shotlist wrote whole' };
  return judgeHolder(record.owner, record.ageMs, timing);
}

export function onThisHost(owner: EmulatorOwner): boolean {
  return owner.host === os.hostname();
}

/**
 * Only a URL that surely stays on this machine: plain http to a literal loopback address (the
 * emulator listens on 127.0.0.1). A name, even `localhost`, goes through a resolver.
 */
export function isLoopbackUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const loopback = (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
  return parsed.protocol === 'http:' && loopback && parsed.username === '' && parsed.password === '' && parsed.search === '' && parsed.hash === '';
}

function parseOwner(text: string): EmulatorOwner | null {
  try {
    const owner = JSON.parse(text) as Partial<EmulatorOwner>;
    const valid =
      owner.version === OWNER_VERSION &&
      typeof owner.pid === 'number' &&
      Number.isSafeInteger(owner.pid) &&
      typeof owner.host === 'string' &&
      typeof owner.since === 'string' &&
      (owner.start === null || typeof owner.start === 'string') &&
      (owner.url === null || (typeof owner.url === 'string' && isLoopbackUrl(owner.url))) &&
      typeof owner.speed === 'number' &&
      owner.speed > 0 &&
      typeof owner.token === 'string' &&
      /^[0-9a-f]{64}$/.test(owner.token);
    return valid ? (owner as EmulatorOwner) : null;
  } catch {
    return null;
  }
}
