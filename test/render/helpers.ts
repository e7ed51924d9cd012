import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inject, type TestContext } from 'vitest';
import { startEmulator, type EmulatorOptions, type FaultOptions, type RunningEmulator } from '../../src/emulator/index.js';
import type { LockEntry, Lockfile } from '../../src/lockfile/lockfile.js';
import { copyExamples, runCli, type CliRun } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait-until.js';

/** Fast enough that the 18-job campaign renders in seconds: 1000x time, 4 fps encodes. */
export function startRenderEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  // The run's one media cache (test/setup/global.ts): a video any test encoded is not encoded again.
  return startEmulator({ speed: 1000, fps: 4, mediaDir: inject('mediaCache'), ...options });
}

/** A render emulator and a fresh copy of `examples/`, both gone when the test finishes. */
export async function renderProject(
  onTestFinished: TestContext['onTestFinished'],
  options: EmulatorOptions = {},
): Promise<{ emu: RunningEmulator; dir: string }> {
  const emu = await startRenderEmulator(options);
  const { dir, cleanup } = await copyExamples();
  onTestFinished(() => emu.close());
  onTestFinished(cleanup);
  return { emu, dir };
}

/** Replaces the emulator's faults through its control route; `{}` makes it healthy again. */
export async function setFaults(emu: RunningEmulator, faults: FaultOptions): Promise<void> {
  const response = await fetch(`${emu.url.replace(/\/v1$/, '')}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (!response.ok) throw new Error(`setting faults failed: ${response.status} ${await response.text()}`);
}

/**
 * `shotlist render FILE --base-url <emu> --json` in-process, with a live wall clock: the run
 * dates its create attempts and matches them against the server's `created_at`.
 */
export function renderWith(
  emu: RunningEmulator,
  dir: string,
  file: string,
  extra: readonly string[] = [],
  options: { signal?: AbortSignal } = {},
): Promise<CliRun> {
  return runCli(['render', file, '--base-url', emu.url, '--json', ...extra], { cwd: dir, now: () => Date.now(), ...options });
}

export function lockPathOf(dir: string, file: string): string {
  return path.join(dir, file.replace(/\.ya?ml$/, '.lock.json'));
}

export async function readLock(dir: string, file: string): Promise<Lockfile> {
  return JSON.parse(await readFile(lockPathOf(dir, file), 'utf8')) as Lockfile;
}

export async function readLockBytes(dir: string, file: string): Promise<Buffer> {
  return readFile(lockPathOf(dir, file));
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A storyboard on a pool of servers, each with its cap: for each product a `hero` shot remixed
 * at dusk, then at night (three jobs a product; a chain stays on one server).
 */
export function poolStoryboard(servers: readonly { readonly url: string; readonly inFlight: number }[], products: readonly string[]): string {
  const pool = servers.map(({ url, inFlight }) => `    - base_url: ${url}\n      in_flight: ${inFlight}\n`).join('');
  return `version: 1
name: pool
provider:
  profile: emulator
  servers:
${pool}defaults:
  model: sora-2
  size: 1280x720
  seconds: 4
shots:
  - id: hero
    prompt: A {{product}} on a kitchen counter.
    variants:
      product: [${products.join(', ')}]
  - id: dusk
    remix: hero
    prompt: The same {{product}} at dusk.
  - id: night
    remix: dusk
    prompt: The same {{product}} at night.
`;
}

/** Creates accepted by all the servers of a pool. */
export function createsAcross(emus: readonly RunningEmulator[]): number {
  return emus.reduce((sum, emu) => sum + emu.stats().createsAccepted, 0);
}

/** Rewrites one line of a storyboard; fails loudly if the text is not there, so a test cannot silently test nothing. */
export async function editStoryboard(dir: string, file: string, from: string, to: string): Promise<void> {
  const full = path.join(dir, file);
  const text = await readFile(full, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
  await writeFile(full, text.replace(from, to));
}

/** Requests per route between two `stats().requestsByRoute` snapshots, zero routes left out. */
export function routeDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [route, count] of Object.entries(after)) {
    const d = count - (before[route] ?? 0);
    if (d !== 0) delta[route] = d;
  }
  return delta;
}

/** Sums the requests whose route matches, e.g. /^POST /. */
export function countRoutes(routes: Record<string, number>, pattern: RegExp): number {
  return Object.entries(routes).reduce((sum, [route, count]) => sum + (pattern.test(route) ? count : 0), 0);
}

/** Every entry's outputs agree with the files on disk: sha256 and byte count. */
export async function checkOutputs(dir: string, entry: LockEntry): Promise<{ video: Buffer }> {
  const video = entry.outputs.video;
  const thumbnail = entry.outputs.thumbnail;
  if (!video || !thumbnail) throw new Error(`entry ${entry.video_id} has no outputs: ${JSON.stringify(entry.outputs)}`);
  const videoBytes = await readFile(path.join(dir, video.path));
  const thumbBytes = await readFile(path.join(dir, thumbnail.path));
  if (sha256(videoBytes) !== video.sha256 || videoBytes.length !== video.bytes) throw new Error(`${video.path} does not match its lockfile entry`);
  if (sha256(thumbBytes) !== thumbnail.sha256 || thumbBytes.length !== thumbnail.bytes) throw new Error(`${thumbnail.path} does not match its lockfile entry`);
  return { video: videoBytes };
}

export { waitUntil };

/** Waits until some entry of the lockfile (once there is one) satisfies `ready`. */
export async function waitForEntry(dir: string, file: string, ready: (entry: LockEntry) => boolean, what: string): Promise<void> {
  await waitUntil(async () => Object.values((await readLock(dir, file).catch(() => null))?.jobs ?? {}).some(ready), `a lockfile entry ${what}`);
}

export function events(run: CliRun, event: string): Record<string, unknown>[] {
  return run.events().filter((e) => e['event'] === event);
}
