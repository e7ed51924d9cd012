import { editDistance } from '../source/describe.js';
import { globMatcher } from './job-glob.js';

/**
 * `--only` and `--replace` globs that match no job. Such a glob is a typo, not a request for
 * nothing: run as written it would exit 0 with "nothing to do" (or render everything else).
 * Kept apart from how a glob matches (`globMatcher`): this only asks whether it matches any id.
 */

export interface UnmatchedGlob {
  readonly glob: string;
  /** The job ids most like the glob, closest first (at most `CLOSEST`). */
  readonly closest: readonly string[];
}

const CLOSEST = 3;
/** Bounds on the text compared, so a huge glob or id cannot make the suggestion slow. */
const MAX_COMPARED = 64;

/** Each glob that matches none of `ids`, with the ids closest to it. */
export function unmatchedGlobs(globs: readonly string[], ids: readonly string[]): UnmatchedGlob[] {
  const unmatched: UnmatchedGlob[] = [];
  for (const glob of new Set(globs)) {
    const matches = globMatcher([glob])!;
    if (!ids.some((id) => matches(id))) unmatched.push({ glob, closest: closestIds(glob, ids) });
  }
  return unmatched;
}

/**
 * The ids nearest the glob's literal text by edit distance, to the whole id or (for a glob that
 * names a prefix, like `hero-dsk*`) to the id's start of the same length; ties in storyboard order.
 */
function closestIds(glob: string, ids: readonly string[]): string[] {
  const literal = glob.replace(/[*?]/g, '').slice(0, MAX_COMPARED).toLowerCase();
  const scored = ids.map((id, index) => {
    const text = id.slice(0, MAX_COMPARED).toLowerCase();
    return { id, index, score: Math.min(editDistance(literal, text), editDistance(literal, text.slice(0, literal.length))) };
  });
  scored.sort((a, b) => a.score - b.score || a.index - b.index);
  return scored.slice(0, CLOSEST).map((entry) => entry.id);
}
