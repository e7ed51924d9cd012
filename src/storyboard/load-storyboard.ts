import { setImmediate } from 'node:timers/promises';
import { InterruptedError } from '../errors.js';
import { builtinProfiles } from '../providers/builtin.js';
import type { ProviderProfile } from '../providers/profile.js';
import { dedupeIssues, hasErrors, sortIssues, withoutCredentials, type Issue } from '../source/issue.js';
import { expandJobs } from './expand-jobs.js';
import type { ResolvedJob } from './job.js';
import { readProviderConfig } from '../providers/read-provider-config.js';
import { readInputReferences, type InputReferenceInfo } from './read-input-references.js';
import { displayPath, readStoryboard } from './read-storyboard.js';
import { resolveStoryboard, type ProviderOverrides, type ResolvedStoryboard, type StoryboardDraft } from './resolve-storyboard.js';
import { validateInputReferences } from './validate-input-references.js';
import { validateShots } from './validate-shots.js';
import { validateNoCredentials } from '../source/validate-no-credentials.js';
import { validateCharacterPrompts, validateCharacters } from './characters.js';
import { validateExtensions } from './extension-chain.js';
import { readCharacterClips, type CharacterClipInfo } from './read-character-clips.js';
import { validateCharacterClips } from './validate-character-clips.js';
import { Rejections } from '../source/rejections.js';
import type { ResolvedCut } from './cut.js';
import { readCutFiles } from './read-cut-files.js';
import { resolveCuts } from './resolve-cuts.js';
import { shotsInDoubt } from './shots-in-doubt.js';
import { validateCuts } from './validate-cuts.js';

/**
 * The whole front of the pipeline: read → parse → schema → resolve → shot rules → expand →
 * input images, extension chains, characters and their clips. Every stage's issues are collected. Only a file that cannot be parsed stops
 * the semantic pass; what the schema rejected is left out of it (see Rejections), so one run
 * reports every problem.
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
  /** Each character's clip by absolute path: its sha256 names the character a provider made from it. */
  readonly characterClips: ReadonlyMap<string, CharacterClipInfo>;
  /** The films of the storyboard's `cuts:`, one per cut and variant combination, in the order written. */
  readonly cuts: readonly ResolvedCut[];
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
  const finish = (loaded: LoadedStoryboard | null, found: readonly Issue[]): LoadResult => {
    // Checked on every file read, whatever else went wrong (texts holds them all by now).
    const issues = [...found, ...validateNoCredentials(texts)];
    return {
      loaded: issues.some((issue) => issue.severity === 'error') ? null : loaded,
      issues: sortIssues(dedupeIssues(issues)).map(withoutCredentials),
      dependencies: [...dependencies],
      texts,
    };
  };
  if (!read.files) return finish(null, read.issues);

  const issues = [...read.issues];
  // The project's own profiles; given profiles (tests) are used as they are.
  const config = options.profiles ? null : await readProviderConfig(read.projectRoot, builtinProfiles, (p) => displayPath(options.cwd, p));
  if (config) {
    // Watched once it exists; a project without one is not watched for one appearing.
    if (config.texts.size > 0) dependencies.add(config.file);
    for (const [name, text] of config.texts) texts.set(name, text);
    issues.push(...config.issues);
  }
  // A broken provider file leaves every profile unknown: the checks that need one are skipped.
  const profiles = options.profiles ?? (config && hasErrors(config.issues) ? null : (config?.profiles ?? builtinProfiles));
  const { storyboard: draft, issues: resolveIssues } = resolveStoryboard(read.files, profiles, options.overrides);
  issues.push(...resolveIssues);
  if (!draft) return finish(null, issues);

  const { ordered, detached, issues: shotIssues } = validateShots(draft);
  issues.push(...shotIssues, ...validateCharacters(draft));

  const { jobs, issues: expandIssues } = await expandJobs(draft, ordered, detached, { pause: pauseFor(options.signal) });
  issues.push(...expandIssues);

  const inputReferences = await readInputReferences(jobs, read.projectRoot);
  for (const job of jobs) if (job.inputReference) dependencies.add(job.inputReference.absPath);
  issues.push(...validateInputReferences(draft, jobs, inputReferences));
  issues.push(...validateExtensions(draft, jobs), ...validateCharacterPrompts(draft, jobs));

  const characterClips = await readCharacterClips(draft.characters, read.projectRoot);
  for (const { clip } of draft.characters) if (clip) dependencies.add(clip.absPath);
  issues.push(...validateCharacterClips(draft, characterClips));

  // Cuts come last: an entry is bound to a job, and a shot whose jobs are missing because of a problem above says nothing more.
  const main = read.files.main;
  const inDoubt = shotsInDoubt(draft, main.file, detached, issues);
  const { drafts, issues: cutIssues } = resolveCuts({
    storyboard: draft,
    source: main,
    rejected: read.files.rejections.get(main.file) ?? Rejections.none,
    jobs,
    inDoubt,
    projectRoot: read.projectRoot,
  });
  issues.push(...cutIssues);
  const cutFiles = await readCutFiles(drafts, read.projectRoot);
  for (const file of [...cutFiles.images.keys(), ...cutFiles.music.keys()]) dependencies.add(file);
  const { cuts, issues: filmIssues } = validateCuts(main, drafts, cutFiles);
  issues.push(...filmIssues);

  const storyboard = soundStoryboard(draft);
  return finish(storyboard && { storyboard, jobs, inputReferences, characterClips, cuts, projectRoot: read.projectRoot }, issues);
}

/** The draft as a resolved storyboard, when nothing in it is unknown (always so when there are no errors). */
function soundStoryboard({ provider, unknowns, characters, ...rest }: StoryboardDraft): ResolvedStoryboard | null {
  const nothingUnknown =
    !unknowns.vars && unknowns.partials !== 'all' && unknowns.partials.size === 0 && unknowns.defaults.size === 0 && !unknowns.shots && !unknowns.characters;
  const cast = characters.flatMap(({ clip, ...character }) => (clip === null ? [] : [{ ...character, clip }]));
  return provider && nothingUnknown && cast.length === characters.length && rest.shots.every((shot) => shot.rejected.size === 0)
    ? { ...rest, provider, characters: cast }
    : null;
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
