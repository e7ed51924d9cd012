import path from 'node:path';
import { readLockfileSource } from '../lockfile/lockfile-io.js';
import { lockfilePathFor, type Lockfile } from '../lockfile/lockfile.js';
import { providerIdentity, serverName, videoIdFormOf } from '../providers/profile.js';
import { checkCollisions } from './check-collisions.js';
import { checkRecordedVideoIds } from './check-video-ids.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { buildGraph, type JobGraph } from './graph.js';
import { UsageError } from '../errors.js';
import { globMatcher, planJobs, type Plan } from './plan.js';
import { unmatchedGlobs, type UnmatchedGlob } from './unmatched-globs.js';
import { confineOutputPaths, OutputHashCache, readOutputs } from './read-outputs.js';

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
}

export interface StoryboardPlan {
  readonly plan: Plan;
  readonly graph: JobGraph;
  readonly lockfile: Lockfile | null;
  readonly lockPath: string;
  readonly providerId: string;
  /** Each output path the lockfile records → where it lies on disk, checked to be inside the project (or `--out`). */
  readonly outputPaths: ReadonlyMap<string, string>;
}

/** Reads the lockfile and the recorded outputs, then plans. */
export async function planStoryboard(loaded: LoadedStoryboard, options: PlanOptions): Promise<StoryboardPlan> {
  const { storyboard, jobs } = loaded;
  if (options.checkGlobs !== false) checkGlobs(jobs.map((job) => job.id), options, storyboard.name);
  const lockPath = lockfilePathFor(storyboard.mainPath);
  // Before the lockfile is read: one that another storyboard writes too is not this one's to plan from.
  await checkCollisions(storyboard, { explicitOut: options.outDir !== undefined, display: options.display ?? ((p) => p) });
  const source = await readLockfileSource(lockPath, options.display?.(lockPath) ?? lockPath, loaded.projectRoot);
  const lockfile = source?.lockfile ?? null;
  if (source !== null) checkRecordedVideoIds(source, videoIdFormOf(loaded.storyboard.provider.profile), loaded.storyboard.provider.profile.name);
  const outputPaths = source === null ? new Map<string, string>() : confineOutputPaths(source, path.dirname(lockPath), { projectRoot: loaded.projectRoot, ...(options.outDir !== undefined ? { outDir: options.outDir } : {}) });
  const hashCache = options.hashCache ?? (await OutputHashCache.loadForProject(loaded.projectRoot));
  const outputs = await readOutputs(lockfile, outputPaths, hashCache);
  await hashCache.save();
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
    ...(options.only ? { only: options.only } : {}),
    ...(options.replace ? { replace: options.replace } : {}),
    ...(options.retryFailed ? { retryFailed: true } : {}),
    ...(options.retryAmbiguous ? { retryAmbiguous: true } : {}),
  });
  return { plan, graph, lockfile, lockPath, providerId, outputPaths };
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
    ...unmatchedGlobs(options.replace ?? [], considered).map((found) => describe('--replace', found, selected === null ? `no job of ${name}` : 'no job selected by --only')),
  ];
  if (problems.length === 0) return;
  throw new UsageError(problems.join('\n'), { hint: 'job ids read like hero[product=mug]: * matches any characters, brackets are literal; quote the glob in the shell' });
}

function describe(flag: string, { glob, closest }: UnmatchedGlob, what: string): string {
  return `${flag} ${JSON.stringify(glob)} matches ${what}${closest.length > 0 ? `; closest job ids: ${closest.join(', ')}` : ' (it has no jobs)'}`;
}
