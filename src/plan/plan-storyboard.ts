import path from 'node:path';
import { readLockfileSource } from '../lockfile/lockfile-io.js';
import { lockfilePathFor, type Lockfile, type OutputFile } from '../lockfile/lockfile.js';
import { remoteHolds } from '../remote/remote-holds.js';
import type { RemoteStore } from '../remote/store.js';
import { providerIdentity, serverName, videoIdFormOf } from '../providers/profile.js';
import { checkCollisions } from './check-collisions.js';
import { checkRecordedVideoIds } from './check-video-ids.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { buildGraph, type JobGraph } from './graph.js';
import { recordedCharacterIds } from './cast-ids.js';
import { UsageError } from '../errors.js';
import { globMatcher } from './job-glob.js';
import { planJobs, type OutputState, type Plan } from './plan.js';
import { unmatchedGlobs, type UnmatchedGlob } from './unmatched-globs.js';
import { confineOutputPaths, OutputHashCache, readOutputs } from './read-outputs.js';
import { onlyWithCuts, planCuts, type CutPlan } from './plan-cuts.js';

export interface PlanOptions {
  /** Unix seconds. */
  readonly now: number;
  readonly only?: readonly string[];
  readonly replace?: readonly string[];
  /** `--retry-failed`: send again jobs whose last attempt failed for good. */
  readonly retryFailed?: boolean;
  /** `--retry-ambiguous`: create again jobs whose create may have reached a server that cannot be searched. */
  readonly retryAmbiguous?: boolean;
  /** Reused across plans in one process (watch mode); default: the project's cache under `.shotlist/cache/`. */
  readonly hashCache?: OutputHashCache;
  /** Whether an `--only`/`--replace` glob that matches no job is an error; default true (false when the caller checked across several storyboards). */
  readonly checkGlobs?: boolean;
  /** Shown in messages instead of the absolute lockfile path. */
  readonly display?: (absPath: string) => string;
  /** The output directory `--out` named (absolute): recorded files may lie there as well as in the project. */
  readonly outDir?: string;
  /** The remote store, if one is named: a file missing on disk that it holds is pulled (`↓ pull`). */
  readonly remote?: RemoteStore | null;
  /** Blobs the remote holds damaged (a pull refused them by their sha256): counted as absent. */
  readonly remoteRefused?: ReadonlySet<string>;
  readonly signal?: AbortSignal;
}

export interface StoryboardPlan {
  readonly plan: Plan;
  readonly graph: JobGraph;
  readonly lockfile: Lockfile | null;
  readonly lockPath: string;
  readonly providerId: string;
  /** Each output path the lockfile records → where it lies on disk, checked to be inside the project (or `--out`). */
  readonly outputPaths: ReadonlyMap<string, string>;
  /** The films of the storyboard's cuts, planned after the jobs they play. */
  readonly cuts: CutPlan;
}

/** Reads the lockfile and the recorded outputs, then plans. */
export async function planStoryboard(loaded: LoadedStoryboard, options: PlanOptions): Promise<StoryboardPlan> {
  const { storyboard, jobs } = loaded;
  // `--only` names films too (by film id), and selects the jobs they play.
  if (options.checkGlobs !== false) checkGlobs([...jobs.map((job) => job.id), ...loaded.cuts.map((cut) => cut.id)], options, storyboard.name);
  const only = options.only === undefined ? undefined : onlyWithCuts(options.only, loaded.cuts);
  const lockPath = lockfilePathFor(storyboard.mainPath);
  // Before the lockfile is read: one that another storyboard writes too is not this one's to plan from.
  await checkCollisions(storyboard, { explicitOut: options.outDir !== undefined, display: options.display ?? ((p) => p) });
  const source = await readLockfileSource(lockPath, options.display?.(lockPath) ?? lockPath, loaded.projectRoot);
  const lockfile = source?.lockfile ?? null;
  if (source !== null) checkRecordedVideoIds(source, videoIdFormOf(loaded.storyboard.provider.profile), loaded.storyboard.provider.profile.name);
  const outputPaths =
    source === null
      ? new Map<string, string>()
      : confineOutputPaths(source, path.dirname(lockPath), {
          projectRoot: loaded.projectRoot,
          ...(options.outDir !== undefined ? { outDir: options.outDir } : {}),
        });
  const hashCache = options.hashCache ?? (await OutputHashCache.loadForProject(loaded.projectRoot));
  const outputs = await readOutputs(lockfile, outputPaths, hashCache);
  await hashCache.save();
  const remoteBlobs = options.remote ? await remoteHolds(options.remote, missingBlobs(lockfile, outputs), { signal: options.signal }) : undefined;
  for (const sha256 of options.remoteRefused ?? []) remoteBlobs?.delete(sha256);
  const graph = buildGraph(jobs);
  const { provider } = storyboard;
  const providerId = providerIdentity(provider.profile, provider.profile.embedded ? null : provider.baseUrl);
  const plan = planJobs({
    jobs,
    graph,
    profile: storyboard.provider.profile,
    providerId,
    inputReferences: loaded.inputReferences,
    lockfile,
    outputs,
    now: options.now,
    servers: new Set(provider.servers.flatMap((server) => (server.baseUrl === null ? [] : [serverName(server.baseUrl)]))),
    ...(only ? { only } : {}),
    ...(options.replace ? { replace: options.replace } : {}),
    ...(options.retryFailed ? { retryFailed: true } : {}),
    ...(remoteBlobs ? { remoteBlobs } : {}),
    characterIds: recordedCharacterIds(loaded, lockfile, providerId),
    ...(options.retryAmbiguous ? { retryAmbiguous: true } : {}),
  });
  const cuts = planCuts({
    cuts: loaded.cuts,
    jobs: plan.jobs,
    lockfile,
    outputs,
    ...(options.only ? { only: options.only } : {}),
    ...(options.replace ? { replace: options.replace } : {}),
  });
  return { plan, graph, lockfile, lockPath, providerId, outputPaths, cuts };
}

/** The blobs (sha256 → bytes) of entries whose video is not on disk as recorded: the ones a remote could give back. */
function missingBlobs(lockfile: Lockfile | null, outputs: ReadonlyMap<string, OutputState>): Map<string, number> {
  const blobs = new Map<string, number>();
  for (const entry of Object.values(lockfile?.jobs ?? {})) {
    const video = entry.outputs.video;
    if (!video || outputs.get(video.path)?.sha256 === video.sha256) continue;
    for (const output of Object.values(entry.outputs) as (OutputFile | undefined)[]) if (output) blobs.set(output.sha256, output.bytes);
  }
  return blobs;
}

/**
 * A glob of `--only` that matches no job of the storyboard (or of any of the storyboards one
 * command names), or of `--replace` that matches no job the run considers, is a usage error
 * (exit 2) naming the glob and the ids closest to it.
 */
export function checkGlobs(ids: readonly string[], options: Pick<PlanOptions, 'only' | 'replace'>, name: string): void {
  const selected = globMatcher(options.only ?? []);
  const considered = selected === null ? ids : ids.filter((id) => selected(id));
  const problems = [
    ...unmatchedGlobs(options.only ?? [], ids).map((found) => describe('--only', found, `no job of ${name}`)),
    ...unmatchedGlobs(options.replace ?? [], considered).map((found) =>
      describe('--replace', found, selected === null ? `no job of ${name}` : 'no job selected by --only'),
    ),
  ];
  if (problems.length === 0) return;
  throw new UsageError(problems.join('\n'), {
    hint: 'job ids read like hero[product=mug]: * matches any characters, brackets are literal; quote the glob in the shell',
  });
}

function describe(flag: string, { glob, closest }: UnmatchedGlob, what: string): string {
  return `${flag} ${JSON.stringify(glob)} matches ${what}${closest.length > 0 ? `; closest job ids: ${closest.join(', ')}` : ' (it has no jobs)'}`;
}
