import type { CutEntry, LockEntry } from '../lockfile/lockfile.js';
import { assessCuts, type CutStatus } from './assess-cuts.js';
import type { Plan, OutputState } from '../plan/plan.js';
import { planStoryboard } from '../plan/plan-storyboard.js';
import { OutputHashCache } from '../plan/read-outputs.js';
import { openServer, type OpenServerOptions } from '../embedded/open-server.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { assessStatus, type ServerVideo, type StatusReport } from './assess-status.js';
import { readServerVideos } from './read-server-videos.js';
import { remoteHolds } from '../remote/remote-holds.js';
import type { RemoteStore } from '../remote/store.js';

/** What `status` is asked: the jobs, where the files were rendered, and whether to ask the server. */
export interface StatusOptions {
  readonly now: number;
  readonly only: readonly string[];
  /** The directory the files were rendered to with `render --out`, if not the default. */
  readonly outDir?: string;
  /** Skip the server: judge expiry by the lockfile's `expires_at`. */
  readonly offline: boolean;
  readonly display: (absPath: string) => string;
  /** How to reach the storyboard's server(s), when it is asked. */
  readonly server: OpenServerOptions;
  /** The remote store, if one is named: the plan pulls from it, and each output says whether it holds it. */
  readonly remote?: RemoteStore | null;
}

/** The verdicts, and what the CLI names in its header. */
export interface StatusOutcome {
  readonly report: StatusReport;
  /** The films of the cuts, each recorded MP4 and `.otio` against the disk. */
  readonly films: readonly CutStatus[];
  readonly plan: Plan;
  readonly lockPath: string;
  readonly providerId: string;
}

/**
 * The lockfile against disk and server: the plan (what each job's state is), the recorded files
 * hashed, and each recorded video asked of the server that holds it. The application side of
 * `shotlist status`; the CLI formats the outcome.
 */
export async function checkStatus(loaded: LoadedStoryboard, options: StatusOptions): Promise<StatusOutcome> {
  // One hash cache for the plan (videos) and for the thumbnails below: read from disk once.
  const hashCache = await OutputHashCache.loadForProject(loaded.projectRoot);
  const { remote } = options;
  const { plan, lockPath, providerId, outputPaths, cuts, lockfile } = await planStoryboard(loaded, {
    now: options.now,
    only: [...options.only],
    hashCache,
    display: options.display,
    ...(options.outDir ? { outDir: options.outDir } : {}),
    ...(remote ? { remote, signal: options.server.signal } : {}),
  });
  const entries = [...plan.jobs.flatMap((job) => (job.entry ? [job.entry] : [])), ...plan.orphans.map((orphan) => orphan.entry)];
  const files = await readRecordedFiles(entries, outputPaths, hashCache, Object.values(lockfile?.cuts ?? {}));
  const server = options.offline ? null : await askServer(loaded, entries, options.server);
  const held = remote ? await remoteHolds(remote, blobsOf(entries), { signal: options.server.signal }) : null;
  const films = assessCuts(cuts, lockfile?.cuts ?? {}, files);
  return { report: assessStatus({ plan, files, server, now: options.now, remote: held }), films, plan, lockPath, providerId };
}

/** Every recorded output's blob (sha256 → bytes): what the remote is asked about. */
function blobsOf(entries: readonly LockEntry[]): Map<string, number> {
  return new Map(entries.flatMap((entry) => Object.values(entry.outputs).flatMap((output) => (output ? [[output.sha256, output.bytes] as const] : []))));
}

/** Hashes of every recorded video and thumbnail, and every film's MP4 and `.otio` (where the plan confined them), through the cache the plan has just used (its videos are known there). */
async function readRecordedFiles(
  entries: readonly LockEntry[],
  located: ReadonlyMap<string, string>,
  cache: OutputHashCache,
  films: readonly CutEntry[],
): Promise<Map<string, OutputState>> {
  const files = new Map(
    entries.flatMap((entry) => [entry.outputs.video, entry.outputs.thumbnail].flatMap((output) => (output ? [[output.path, output.bytes] as const] : []))),
  );
  for (const film of films) for (const output of [film.outputs.video, film.outputs.timeline]) files.set(output.path, output.bytes);
  const states = new Map<string, OutputState>();
  for (const [recorded, bytes] of files) {
    const absPath = located.get(recorded);
    states.set(recorded, absPath === undefined ? null : await cache.stateOf(absPath, bytes));
  }
  await cache.save();
  return states;
}

/** Only when some entry has a video id: a fresh checkout's status starts no emulator. */
async function askServer(loaded: LoadedStoryboard, entries: readonly LockEntry[], options: OpenServerOptions): Promise<Map<string, ServerVideo>> {
  const ids = entries.flatMap((entry) => (entry.video_id ? [entry.video_id] : []));
  if (ids.length === 0) return new Map();
  const opened = await openServer(loaded, options);
  try {
    // Each video is asked of the server holding it; one on a server dropped from the pool is not asked.
    const answers = new Map<string, ServerVideo>();
    for (const server of opened.servers) {
      const held = entries.flatMap((entry) => (entry.video_id && opened.serverOf(entry) === server ? [entry.video_id] : []));
      for (const [id, video] of await readServerVideos(server.client, held, options.signal)) answers.set(id, video);
    }
    return answers;
  } finally {
    await opened.close();
  }
}
