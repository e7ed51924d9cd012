import type { VideosClient, VideosClientOptions } from '../api/index.js';
import { proveEmulator } from './prove-emulator.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { InterruptedError, ShotlistError } from '../errors.js';
import { systemClock, type Clock } from '../run/clock.js';
import { HEARTBEAT_MS, startHeartbeat } from '../run/advisory-lock.js';
import {
  claimOwner,
  judgeOwner,
  newOwner,
  onThisHost,
  ownerPath,
  publishOwner,
  readOwner,
  releaseOwner,
  removeStaleOwner,
  type EmulatorOwner,
  type OwnerRecord,
} from './emulator-owner.js';
import { createFollowingClient } from './following-client.js';

/**
 * A project's embedded emulator, shared by every shotlist process of the project: the first to
 * need it starts it on the state directory and records itself as owner (emulator-owner.ts);
 * the others find that owner alive and answering and use its URL. When the owner stops, each
 * process still using it opens it again the same way (one of them starts it, on the same state,
 * the others join that one) and carries on (following-client.ts).
 */

export interface EmbeddedEmulator {
  /** Where it listened when opened; clients follow it if it moves to another owner. */
  readonly url: string;
  /** This process started it (and stops it on `close`); otherwise another shotlist served it when opened. */
  readonly owned: boolean;
  /** Who served it when opened: this process, or the one joined. Its `speed` is the emulator's. */
  readonly owner: ServingOwner;
  /** A client of it, that follows the emulator to its next owner when the one it uses stops. */
  client(): VideosClient;
  /** Stops the emulator and removes the record if this process serves it (from the start, or since a takeover). */
  close(): Promise<void>;
}

/** An owner whose emulator listens. */
export type ServingOwner = EmulatorOwner & { readonly url: string };

/** Client settings the embedded emulator tunes: a probe's, and the retry waits of a joined owner's client. */
export type ClientTuning = Pick<VideosClientOptions, 'sleep' | 'retry' | 'timeoutMs'>;

/** Makes a client of the storyboard's provider for a base URL (credentials and checks as for any server). */
export type ClientAt = (baseUrl: string, tuning?: ClientTuning) => VideosClient;

export interface EmbeddedOptions {
  readonly stateDir: string;
  /** Time scale if this process starts the emulator; an owner's own wins otherwise. */
  readonly speed: number;
  readonly clientAt: ClientAt;
  /** Ctrl-C: stops waiting for an owner that is starting or stopping. */
  readonly signal: AbortSignal;
  /** How the state directory is named in messages; default the path itself. */
  readonly display?: string;
  /** Told when the owner in use stopped and another took its place (maybe this process). */
  readonly onTakeover?: (gone: ServingOwner, next: ServingOwner, owned: boolean) => void;
  /** Default: the real clock. */
  readonly clock?: Clock;
  /**
   * How long an owner whose process lives may refuse connections before its record is taken
   * over: it is stopping (closing the emulator, then removing the record), or its pid now
   * belongs to another program. Default 3 s.
   */
  readonly stoppingGraceMs?: number;
  /** How long to wait for an owner that is starting, or that accepts connections but does not answer, before giving up. Default 30 s. */
  readonly patienceMs?: number;
}

/** The owner cannot be used and must not be taken over: on another machine, or alive but not answering. */
export class EmulatorBusyError extends ShotlistError {
  constructor(message: string) {
    super('emulator-busy', message);
  }
}

/** One hold on the emulator: started here, or another process's. */
export interface Holding {
  readonly owner: ServingOwner;
  readonly owned: boolean;
  /**
   * Whether a joined owner has stopped serving (never, for this process's own): its record is
   * gone or replaced, its process died, or nothing listens at its URL any more (it is stopping).
   */
  left(): Promise<boolean>;
  close(): Promise<void>;
}

const POLL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;

/**
 * What a record says of its owner, once checked. `foreign`: something else answers at its URL
 * without the owner's proof (the port was taken after the owner stopped listening).
 */
type Verdict = 'serving' | 'starting' | 'stopping' | 'silent' | 'suspended' | 'foreign' | 'stale';

/** Starts the project's embedded emulator, or joins the shotlist process already serving it. */
export async function openEmbeddedEmulator(options: EmbeddedOptions): Promise<EmbeddedEmulator> {
  const first = await holdEmulator(options);
  let current = first;
  let reopening: Promise<Holding> | null = null;
  let closed = false;
  // However many calls find the owner gone, the emulator is opened again once; never after close.
  const replace = (gone: Holding): Promise<Holding> => {
    if (current !== gone || closed) return Promise.resolve(current);
    reopening ??= holdEmulator(options).then(
      (next) => {
        current = next;
        reopening = null;
        options.onTakeover?.(gone.owner, next.owner, next.owned);
        return next;
      },
      (error: unknown) => {
        reopening = null;
        throw error;
      },
    );
    return reopening;
  };
  return {
    url: first.owner.url,
    owned: first.owned,
    owner: first.owner,
    client: () => createFollowingClient(current, replace, options.clientAt),
    async close() {
      closed = true;
      await reopening?.catch(() => {});
      await current.close();
    },
  };
}

/** Takes the owner's place if there is none (or it is stale), else joins it once it answers. */
async function holdEmulator(options: EmbeddedOptions): Promise<Holding> {
  const clock = options.clock ?? systemClock;
  const grace = options.stoppingGraceMs ?? 3_000;
  const patience = options.patienceMs ?? 30_000;
  const waitedOn = waitTimer(clock);
  try {
    for (;;) {
      const record = await readOwner(options.stateDir);
      if (record === null) {
        const owned = await startAsOwner(options);
        if (owned) return owned;
        continue; // another process claimed it first: look at its record
      }
      const verdict = await judge(record, options);
      if (verdict === 'serving') return joinOwner(record, options);
      if (verdict === 'stale') {
        await removeStaleOwner(options.stateDir, record.text);
        continue;
      }
      const waited = waitedOn(record.text);
      if ((verdict === 'stopping' || verdict === 'foreign') && waited >= grace) {
        await removeStaleOwner(options.stateDir, record.text);
        continue;
      }
      if (waited >= patience) throw notAnswering(record.owner!, verdict, options, waited);
      await clock.sleep(POLL_MS, options.signal);
    }
  } catch (error) {
    if (options.signal.aborted) throw new InterruptedError('interrupted while waiting for the embedded emulator; nothing was sent');
    throw error;
  }
}

/** How long the same record has been waited on: a new or changed record starts the count again. */
function waitTimer(clock: Clock): (text: string) => number {
  let watched: { readonly text: string; readonly since: number } | null = null;
  return (text) => {
    if (watched?.text !== text) watched = { text, since: clock.now() };
    return clock.now() - watched.since;
  };
}

/**
 * A live owner on this host (its pid alive with the start the record names) is joined once its
 * emulator proves, at the record's loopback URL, that it knows the record's token. One whose URL
 * refuses connections is stopping: stale after the grace; so is one whose URL is answered by
 * something else. One that accepts but does not answer, or whose process is stopped, may be
 * suspended (Ctrl-Z) and would resume serving the same state: never taken over. A record on
 * another host is refused while its owner heartbeats, and taken over once it stopped.
 */
async function judge(record: OwnerRecord, options: EmbeddedOptions): Promise<Verdict> {
  const { owner } = record;
  if (owner === null) return 'stale';
  const judged = await judgeOwner(record);
  if (judged.verdict === 'stale') return 'stale';
  if (!onThisHost(owner)) {
    throw new EmulatorBusyError(
      `${ownerPath(displayOf(options))} says pid ${owner.pid} on ${owner.host} has served this project's embedded emulator since ${owner.since}; it listens on that machine only. Stop it there, or remove that file if no shotlist runs there`,
    );
  }
  if (judged.verdict === 'suspended') return 'suspended';
  if (owner.url === null) return 'starting';
  switch (await proveEmulator(owner.url, owner.token, { signal: options.signal, timeoutMs: PROBE_TIMEOUT_MS })) {
    case 'proven':
      return 'serving';
    case 'refused':
      return 'stopping';
    case 'silent':
      return 'silent';
    case 'foreign':
      return 'foreign';
  }
}

function notAnswering(owner: EmulatorOwner, verdict: Verdict, options: EmbeddedOptions, waitedMs: number): EmulatorBusyError {
  const record = ownerPath(displayOf(options));
  const seconds = Math.max(1, Math.round(waitedMs / 1000));
  if (verdict === 'starting') {
    return new EmulatorBusyError(
      `pid ${owner.pid} claimed this project's embedded emulator (${record}) but has not started it within ${seconds} s; stop that process, or remove the file if it is not shotlist`,
    );
  }
  if (verdict === 'suspended') {
    return new EmulatorBusyError(
      `pid ${owner.pid} serves this project's embedded emulator but is suspended (stopped for ${seconds} s); resume it (\`kill -CONT ${owner.pid}\`, or fg in its terminal) or stop it, then run again`,
    );
  }
  return new EmulatorBusyError(
    `pid ${owner.pid} serves this project's embedded emulator at ${owner.url} but has not answered for ${seconds} s (is it suspended?); resume or stop that shotlist, then run again`,
  );
}

/** Claims the record, then starts the emulator and publishes its URL; null if another process claimed it first. */
async function startAsOwner(options: EmbeddedOptions): Promise<Holding | null> {
  const { stateDir } = options;
  const claimed = await newOwner(options.speed);
  if (!(await claimOwner(stateDir, claimed))) return null;
  // Touched from the claim on, so that a process that cannot compare process starts can tell it lives.
  const heartbeat = startHeartbeat(ownerPath(stateDir), HEARTBEAT_MS);
  let emulator: RunningEmulator;
  try {
    // guide-2026 mode: the emulator profile casts characters (`characters: [{id}]` on a create),
    // which the emulator takes only in that mode; its wider seconds and sizes are still refused
    // by shotlist's own validation against the profile's models.
    emulator = await startEmulator({ stateDir, speed: options.speed, identityToken: claimed.token, guide2026: true });
  } catch (error) {
    clearInterval(heartbeat);
    await releaseOwner(stateDir, claimed);
    throw error;
  }
  const serving: ServingOwner = { ...claimed, url: emulator.url };
  try {
    await publishOwner(stateDir, serving);
  } catch (error) {
    clearInterval(heartbeat);
    await emulator.close();
    await releaseOwner(stateDir, claimed);
    throw error;
  }
  return {
    owner: serving,
    owned: true,
    left: async () => false,
    async close() {
      clearInterval(heartbeat);
      // The record goes last: until the jobs are flushed, no other process may start on the state.
      await emulator.close();
      await releaseOwner(stateDir, serving);
    },
  };
}

/**
 * Another process's emulator. Whether its owner has left is asked only when a call fails: its
 * record is gone or replaced (it stopped), its process died (a SIGKILL leaves the record), or
 * its URL refuses connections while the record stands: it is stopping, for an owner closes its
 * emulator (killing encodes, flushing jobs) before it removes the record. A call is then sent
 * again only once the emulator is opened anew, which waits for that stop (`holdEmulator`), not
 * after however many retries the client's policy happens to allow.
 */
function joinOwner(record: OwnerRecord, options: EmbeddedOptions): Holding {
  const owner = record.owner as ServingOwner;
  return {
    owner,
    owned: false,
    left: async () => {
      const now = await readOwner(options.stateDir);
      if (now?.text !== record.text || (await judgeOwner(now)).verdict === 'stale') return true;
      return (await proveEmulator(owner.url, owner.token, { signal: options.signal, timeoutMs: PROBE_TIMEOUT_MS })) === 'refused';
    },
    close: async () => {},
  };
}

function displayOf(options: EmbeddedOptions): string {
  return options.display ?? options.stateDir;
}
