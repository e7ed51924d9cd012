import type { Issue, Origin } from '../source/issue.js';
import { truncate } from '../source/describe.js';
import type { ResolvedJob } from './job.js';
import type { ResolvedShot, StoryboardDraft } from './resolve-storyboard.js';
import { budgetIssue, TemplateSet } from './templates.js';
import { TemplateBudgetError } from './template-budget.js';
import { checkJobCount } from './job-count.js';
import { REQUEST_FIELDS } from './written.js';
import { parentOf, parentRejected } from './parent-link.js';
import { ShotExpander, type Pacer } from './shot-expander.js';

export interface ExpandOptions {
  /**
   * Called between jobs once enough work was done since the last call (default: never): the
   * caller yields to the event loop there, so that a signal can end a long expansion, and may
   * throw to stop it.
   */
  readonly pause?: () => Promise<void>;
}

/** Work between two pauses: steps of the templates, or jobs. */
const PAUSE_EVERY_STEPS = 50_000;
const PAUSE_EVERY_JOBS = 256;

/**
 * Expands shots into jobs: variant matrices, remix fan-out aligned to the parent's bindings,
 * request fields resolved (axis, then shot, then defaults, then the provider's default),
 * templates rendered strictly. Pure (it only pauses where told); every problem becomes an issue.
 *
 * What the first pass rejected is not guessed at: a shot whose variants were rejected makes no
 * jobs, an unknown request field or provider makes none, unknown names (vars that could not be
 * read, a `detached` shot's parents) are not reported as undefined, and nothing renders
 * against values that are not all known. Everything else is still checked.
 */
export async function expandJobs(
  storyboard: StoryboardDraft,
  ordered: readonly ResolvedShot[],
  detached: readonly ResolvedShot[] = [],
  options: ExpandOptions = {},
): Promise<{ jobs: ResolvedJob[]; issues: Issue[] }> {
  const issues: Issue[] = [];
  const { unknowns } = storyboard;
  const templates = new TemplateSet(storyboard.partials, unknowns.partials);
  const renderable = !unknowns.vars && unknowns.partials !== 'all' && unknowns.partials.size === 0;
  // Every shot by id (the first of a repeated id), to follow parent chains from detached shots too.
  const byId = new Map<string, ResolvedShot>();
  for (const shot of [...ordered, ...detached].sort((a, b) => a.index - b.index)) if (!byId.has(shot.written.id)) byId.set(shot.written.id, shot);
  const jobsByShot = new Map<string, ResolvedJob[]>();
  const jobIds = new Map<string, Origin>();
  const isDetached = new Set(detached);
  const pacer = pacerFor(templates, options.pause);
  // Counted before anything is built: a storyboard over the cap makes no jobs, but its templates are still checked.
  const tooMany = checkJobCount(storyboard, ordered);
  if (tooMany) issues.push(tooMany);

  for (const shot of [...ordered, ...detached]) {
    const expander = new ShotExpander(storyboard, shot, templates, issues);
    try {
      const link = parentOf(shot.written);
      const parent = link ? byId.get(link.shot) : undefined;
      const ancestorAxes = parent ? axesFrom(parent, byId) : link ? null : [];
      const ownAxes = axesFrom(shot, byId);
      const names =
        unknowns.vars || ancestorAxes === null || ownAxes === null
          ? null
          : new Set([...REQUEST_FIELDS, ...Object.keys(storyboard.vars), ...ancestorAxes, ...ownAxes]);
      // Broken templates make no jobs, but the shot's matrix and request fields are still checked.
      const renderers = expander.compileTemplates(names, new Set(ancestorAxes ?? []), renderable && !isDetached.has(shot));
      // A shot whose parents are unknown has no jobs; what its templates say without them was checked.
      if (isDetached.has(shot) || tooMany) continue;
      // A matrix the schema rejected is not expanded: its jobs (and its children's jobs) are unknown.
      const parents: (ResolvedJob | null)[] = shot.rejected.has('variants') ? [] : link === null ? [null] : (jobsByShot.get(link.shot) ?? []);
      const jobs: ResolvedJob[] = [];
      for (const parent of parents) {
        for (const job of await expander.jobsFor(parent, renderers, pacer)) {
          const clash = jobIds.get(job.id);
          if (clash) {
            issues.push(
              expander.issue(job.bindings.at(-1)?.origin.path ?? shot.origin.path, {
                code: 'duplicate-job-id',
                message: `two variants make the same job id "${truncate(job.id, 120)}"`,
                hint: 'give each map value its own id, or drop the repeated include entry',
              }),
            );
            continue;
          }
          jobIds.set(job.id, job.origin);
          jobs.push(job);
        }
      }
      jobsByShot.set(shot.written.id, jobs);
      issues.push(...expander.jobIssues());
      if (pacer.due()) await pacer.pause();
    } catch (error) {
      // The storyboard's templates as a whole took too long: one issue, and no more expansion.
      if (!(error instanceof TemplateBudgetError)) throw error;
      issues.push(budgetIssue(expander.promptSite(), `the prompt of shot "${shot.written.id}"`, error));
      break;
    }
  }
  const jobs = [...jobsByShot.values()].flat().sort((a, b) => a.shotIndex - b.shotIndex);
  return { jobs, issues };
}

/**
 * Says when enough work was done since the last pause (`due`, checked per job without an
 * `await`, which 10,000 jobs would pay for), and pauses; never due without a `pause`.
 */
function pacerFor(templates: TemplateSet, pause: (() => Promise<void>) | undefined): Pacer {
  let steps = templates.meter.total;
  let jobs = 0;
  return {
    due: () => pause !== undefined && (++jobs >= PAUSE_EVERY_JOBS || templates.meter.total - steps >= PAUSE_EVERY_STEPS),
    pause: async () => {
      steps = templates.meter.total;
      jobs = 0;
      await pause?.();
    },
  };
}

/**
 * Axis names a shot's templates can use: its own, its include keys, and its ancestors' (once
 * round a cycle); `null` when some are unknown (rejected, or a parent that is no shot).
 */
function axesFrom(shot: ResolvedShot, byId: ReadonlyMap<string, ResolvedShot>): string[] | null {
  const names: string[] = [];
  const seen = new Set<ResolvedShot>();
  for (let current: ResolvedShot | undefined = shot; current && !seen.has(current); current = byId.get(parentOf(current.written)?.shot ?? '')) {
    seen.add(current);
    if (current.axisNames === null || parentRejected(current.rejected)) return null;
    names.push(...current.axisNames);
    const up = parentOf(current.written);
    if (up === null) return names;
    if (!byId.has(up.shot)) return null;
  }
  return names;
}
