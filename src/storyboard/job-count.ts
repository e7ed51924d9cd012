import { formatDocPath, type Issue } from '../source/issue.js';
import type { ResolvedShot, ResolvedStoryboard } from './resolve-storyboard.js';
import { axesOf } from './variants.js';
import type { WrittenVariants } from './written.js';
import { issueAt } from '../source/yaml-source.js';

/**
 * How many jobs a storyboard expands to, counted before any is built: a matrix is a product, so
 * 9 axes of 10 values (a few hundred bytes) would otherwise be a billion jobs expanded into
 * memory. Pure.
 */

/**
 * Most jobs one storyboard may expand to (README, "Limits"): the size the benchmarks measure,
 * validated and planned in well under a second. A larger campaign is split across storyboards.
 */
export const MAX_JOBS = 10_000;

/**
 * An upper bound of the combinations of one matrix: the product of its axes' sizes plus its
 * `include` entries (`exclude` only removes, and is not counted). 1 for a shot without variants.
 */
export function matrixSize(variants: WrittenVariants | undefined): number {
  let product = 1;
  for (const axis of axesOf(variants)) product *= (variants?.[axis] as readonly unknown[] | undefined)?.length ?? 0;
  return product + (variants?.include?.length ?? 0);
}

/** Jobs per shot: its matrix times its parent's jobs for a remix (one fan-out per parent job). Shots in `ordered` come after their parents. */
export function countJobs(ordered: readonly ResolvedShot[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const shot of ordered) {
    const parent = shot.written.remix === undefined ? 1 : (counts.get(shot.written.remix) ?? 0);
    counts.set(shot.written.id, matrixSize(shot.written.variants) * parent);
  }
  return counts;
}

/**
 * The issue when the storyboard would have more than `max` jobs, at the axes of the shot that
 * makes the most (the first of equals: a remix makes as many as its parent, times its own axes); else null.
 */
export function checkJobCount(storyboard: Pick<ResolvedStoryboard, 'sources'>, ordered: readonly ResolvedShot[], max = MAX_JOBS): Issue | null {
  const counts = countJobs(ordered);
  let total = 0;
  let largest: ResolvedShot | null = null;
  for (const shot of ordered) {
    const count = counts.get(shot.written.id)!;
    total += count;
    if (largest === null || count > counts.get(largest.written.id)!) largest = shot;
  }
  if (total <= max || largest === null) return null;
  const count = counts.get(largest.written.id)!;
  const { written } = largest;
  const own = axesOf(written.variants).map((axis) => (written.variants?.[axis] as readonly unknown[]).length);
  const includes = written.variants?.include?.length ?? 0;
  const factors = [
    own.length > 0
      ? `${own.join(' × ')} from its axes${includes > 0 ? ` + ${includes} included` : ''}`
      : includes > 0
        ? `${includes + 1} from its includes`
        : null,
    written.remix !== undefined ? `× ${formatCount(counts.get(written.remix) ?? 0)} jobs of "${written.remix}", which it remixes` : null,
  ].filter((f) => f !== null);
  // The largest shot has axes, unless no shot has any (thousands of plain shots): then the shot itself.
  const at = written.variants !== undefined ? [...largest.origin.path, 'variants'] : largest.origin.path;
  const alone = count > max;
  return issueAt(
    storyboard.sources.get(largest.origin.file)!,
    at,
    {
      code: 'too-many-jobs',
      message: alone
        ? `shot "${written.id}" expands to ${formatCount(count)} jobs (${factors.join(' ')}), more than the ${formatCount(max)} a storyboard may have`
        : `the storyboard expands to ${formatCount(total)} jobs, more than the ${formatCount(max)} it may have; shot "${written.id}" makes ${formatCount(count)} of them (${factors.join(' ')})`,
      expected: `at most ${formatCount(max)} jobs per storyboard (axes multiplied, plus include entries, before exclude)`,
      found: formatCount(alone ? count : total),
      hint: 'split the campaign into several storyboards, or drop values from the axes',
    },
    { key: formatDocPath(at) !== formatDocPath(largest.origin.path) },
  );
}

function formatCount(n: number): string {
  return Number.isFinite(n) && n < 1e15 ? n.toLocaleString('en-US') : n.toExponential(1);
}
