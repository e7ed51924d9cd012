import path from 'node:path';
import { readLockfileSource } from '../lockfile/lockfile-io.js';
import { lockfilePathFor, type Lockfile } from '../lockfile/lockfile.js';
import { providerIdentity, serverName, videoIdFormOf } from '../providers/profile.js';
import { checkCollisions } from './check-collisions.js';
import { checkRecordedVideoIds } from './check-video-ids.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { buildGraph, type JobGraph } from './graph.js';
import { planJobs, type Plan } from './plan.js';
import { confineOutputPaths, OutputHashCache, readOutputs } from './read-outputs.js';

export interface PlanOptions {
  /** Unix seconds. */
  readonly now: number;
  readonly only?: readonly string[];
  readonly replace?: readonly string[];
  /** Reused across plans in one process (watch mode); default: the project's cache under `.shotlist/cache/`. */
  readonly hashCache?: OutputHashCache;
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
  });
  return { plan, graph, lockfile, lockPath, providerId, outputPaths };
}
