import path from 'node:path';
import { readLockfile } from '../lockfile/lockfile-io.js';
import { lockfilePathFor, type Lockfile } from '../lockfile/lockfile.js';
import { providerIdentity, serverName } from '../providers/profile.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { buildGraph, type JobGraph } from './graph.js';
import { planJobs, type Plan } from './plan.js';
import { OutputHashCache, readOutputs } from './read-outputs.js';

export interface PlanOptions {
  /** Unix seconds. */
  readonly now: number;
  readonly only?: readonly string[];
  readonly replace?: readonly string[];
  /** Reused across plans in one process (watch mode); default: the project's cache under `.shotlist/cache/`. */
  readonly hashCache?: OutputHashCache;
  /** Shown in messages instead of the absolute lockfile path. */
  readonly display?: (absPath: string) => string;
}

export interface StoryboardPlan {
  readonly plan: Plan;
  readonly graph: JobGraph;
  readonly lockfile: Lockfile | null;
  readonly lockPath: string;
  readonly providerId: string;
}

/** Reads the lockfile and the recorded outputs, then plans. */
export async function planStoryboard(loaded: LoadedStoryboard, options: PlanOptions): Promise<StoryboardPlan> {
  const { storyboard, jobs } = loaded;
  const lockPath = lockfilePathFor(storyboard.mainPath);
  const lockfile = await readLockfile(lockPath, options.display?.(lockPath) ?? lockPath);
  const hashCache = options.hashCache ?? (await OutputHashCache.loadForProject(loaded.projectRoot));
  const outputs = await readOutputs(lockfile, path.dirname(lockPath), hashCache);
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
  return { plan, graph, lockfile, lockPath, providerId };
}
