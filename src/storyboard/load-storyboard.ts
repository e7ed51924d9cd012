import { setImmediate } from 'node:timers/promises';
import { InterruptedError } from '../errors.js';
import { builtinProfiles } from '../providers/builtin.js';
import type { ProviderProfile } from '../providers/profile.js';
import { dedupeIssues, sortIssues, type Issue } from './issue.js';
import { expandJobs } from './expand-jobs.js';
import type { ResolvedJob } from './job.js';
import { readProviderConfig } from '../providers/read-provider-config.js';
import { readInputReferences, type InputReferenceInfo } from './read-input-references.js';
import { displayPath, readStoryboard } from './read-storyboard.js';
import { resolveStoryboard, type ProviderOverrides, type ResolvedStoryboard } from './resolve-storyboard.js';
import { validateInputReferences } from './validate-input-references.js';
import { validateShots } from './validate-shots.js';

/**
 * The whole front of the pipeline: read → parse → schema → resolve → shot rules → expand →
 * input images. Every stage's issues are collected; a stage runs only when its input is sound.
 */

export interface LoadOptions {
  readonly cwd: string;
  /** Ends a long load (a storyboard of many jobs, costly templates) with `InterruptedError` once aborted. */
  readonly signal?: AbortSignal;
  readonly profiles?: Readonly<Record<string, ProviderProfile>>;
  readonly overrides?: ProviderOverrides;
  readonly projectRoot?: string;
}

export interface LoadedStoryboard {
  readonly storyboard: ResolvedStoryboard;
  readonly jobs: readonly ResolvedJob[];
  readonly inputReferences: ReadonlyMap<string, InputReferenceInfo>;
  readonly projectRoot: string;
}

export interface LoadResult {
  /** `null` when there are errors. */
  readonly loaded: LoadedStoryboard | null;
  /** Sorted, without repeats. */
  readonly issues: readonly Issue[];
  /** Every file read or attempted (absolute paths): what watch mode watches. */
  readonly dependencies: readonly string[];
  /** Text of every file read, by display name, for code frames. */
  readonly texts: ReadonlyMap<string, string>;
}

export async function loadStoryboard(file: string, options: LoadOptions): Promise<LoadResult> {
  const read = await readStoryboard(file, { cwd: options.cwd, ...(options.projectRoot ? { projectRoot: options.projectRoot } : {}) });
  const texts = new Map(read.texts);
  const dependencies = new Set(read.dependencies);
  const finish = (loaded: LoadedStoryboard | null, issues: readonly Issue[]): LoadResult => ({
    loaded: issues.some((issue) => issue.severity === 'error') ? null : loaded,
    issues: sortIssues(dedupeIssues(issues)),
    dependencies: [...dependencies],
    texts,
  });
  if (!read.files) return finish(null, read.issues);

  const issues = [...read.issues];
  // The project's own profiles; given profiles (tests) are used as they are.
  const config = options.profiles ? null : await readProviderConfig(read.projectRoot, builtinProfiles, (p) => displayPath(options.cwd, p));
  if (config) {
    // Watched once it exists; a project without one is not watched for one appearing.
    if (config.texts.size > 0) dependencies.add(config.file);
    for (const [name, text] of config.texts) texts.set(name, text);
    issues.push(...config.issues);
    if (config.issues.length > 0) return finish(null, issues);
  }
  const { storyboard, issues: resolveIssues } = resolveStoryboard(read.files, options.profiles ?? config?.profiles ?? builtinProfiles, options.overrides);
  issues.push(...resolveIssues);
  if (!storyboard) return finish(null, issues);

  const { ordered, issues: shotIssues } = validateShots(storyboard);
  issues.push(...shotIssues);

  const { jobs, issues: expandIssues } = await expandJobs(storyboard, ordered, { pause: pauseFor(options.signal) });
  issues.push(...expandIssues);

  const inputReferences = await readInputReferences(jobs, read.projectRoot);
  for (const job of jobs) if (job.inputReference) dependencies.add(job.inputReference.absPath);
  issues.push(...validateInputReferences(storyboard, jobs, inputReferences));
  return finish({ storyboard, jobs, inputReferences, projectRoot: read.projectRoot }, issues);
}

/**
 * Between jobs of a long expansion: yield to the event loop (a SIGINT or SIGTERM handler runs
 * there) and stop once the signal is aborted. Expanding never holds the loop for long.
 */
function pauseFor(signal: AbortSignal | undefined): () => Promise<void> {
  return async () => {
    await setImmediate();
    if (signal?.aborted) throw new InterruptedError();
  };
}
