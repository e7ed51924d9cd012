import path from 'node:path';
import { StoryboardInvalidError } from '../errors.js';
import { loadStoryboard, type LoadedStoryboard, type LoadResult } from '../storyboard/load-storyboard.js';
import type { ProviderOverrides } from '../storyboard/resolve-storyboard.js';
import { formatIssues } from './format-issue.js';
import type { CliContext, CommonFlags } from './context.js';

/**
 * Loads a storyboard for a command: problems are printed with code frames (warnings too) and
 * an invalid storyboard ends the command with the invalid-input exit code.
 */
export async function loadForCommand(
  file: string,
  flags: Pick<CommonFlags, 'provider' | 'baseUrl' | 'concurrency' | 'json'>,
  ctx: CliContext,
): Promise<{ loaded: LoadedStoryboard; result: LoadResult }> {
  const result = await loadStoryboard(file, { cwd: ctx.io.cwd, signal: ctx.io.signal, overrides: overridesOf(flags) });
  const { log } = ctx;
  for (const issue of result.issues) log.event({ event: 'issue', ...issue });
  if (!log.json && result.issues.length > 0) log.error(formatIssues(result.issues, result.texts, log.err));
  if (!result.loaded) throw new StoryboardInvalidError(result.issues);
  const { profile } = result.loaded.storyboard.provider;
  if (profile.retired) log.warn(`${profile.retired.note}; the "${profile.name}" profile stays usable for servers that still answer.`);
  return { loaded: result.loaded, result };
}

/** What the command line overrides of the storyboard's provider: `--provider`, `--base-url` (one, or a pool), `--concurrency`. */
export function overridesOf(flags: Pick<CommonFlags, 'provider' | 'baseUrl' | 'concurrency'>): ProviderOverrides {
  return {
    ...(flags.provider ? { provider: flags.provider } : {}),
    ...(flags.baseUrl && flags.baseUrl.length > 0 ? { baseUrls: flags.baseUrl } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
  };
}

/** A path as shown to the user: relative to the working directory when inside it. */
export function displayPath(ctx: CliContext, absPath: string): string {
  const relative = path.relative(ctx.io.cwd, absPath);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absPath;
}

/** The output directory `--out` named, absolute; undefined when the default (`renders/<name>/`) applies. */
export function explicitOutDir(flags: { readonly out?: string | undefined }, ctx: CliContext): string | undefined {
  return flags.out ? path.resolve(ctx.io.cwd, flags.out) : undefined;
}
