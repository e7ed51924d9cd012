import { PlanRefusedError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import { planStoryboard } from '../plan/plan-storyboard.js';
import { profileNotes } from '../providers/describe-profile.js';
import { EXIT } from './exit-codes.js';
import { formatPlan, planEvents } from './format-plan.js';
import { checkMaxCost } from '../providers/cost-totals.js';
import { formatMoney } from '../providers/money.js';
import { describePlanReason } from './format-plan-reason.js';
import { cutPlanEvents, formatCutPlan, withFilmTotals } from './format-cuts.js';
import { displayPath, explicitOutDir, loadForCommand } from './load-for-cli.js';
import type { CliContext, CommonFlags } from './context.js';
import { defineCommand } from './define-command.js';
import { openRemoteForCli } from './remote-view.js';
import { withCommonFlags } from './flags.js';

/** `shotlist plan FILE`: what render would do, job by job, with the reason and the cost. */
export async function runPlan(file: string, flags: CommonFlags, ctx: CliContext): Promise<number> {
  const { loaded } = await loadForCommand(file, flags, ctx);
  const outDir = explicitOutDir(flags, ctx);
  const remote = await openRemoteForCli(loaded.projectRoot, flags.remote, ctx);
  const { plan, lockPath, providerId, cuts } = await planStoryboard(loaded, {
    ...(remote ? { remote, signal: ctx.io.signal } : {}),
    now: Math.floor(ctx.io.now() / 1000),
    ...(outDir ? { outDir } : {}),
    only: flags.only,
    replace: flags.replace,
    ...(flags.retryFailed ? { retryFailed: true } : {}),
    ...(flags.retryAmbiguous ? { retryAmbiguous: true } : {}),
    display: (p) => displayPath(ctx, p),
  }).finally(() => remote?.close());
  const { log } = ctx;
  const events = log.json ? planEvents(plan, loaded.storyboard.name, providerId) : [];
  // The films' events go before the total, as their rows go after the jobs'.
  for (const event of [...events.slice(0, -1), ...(log.json ? cutPlanEvents(cuts) : []), ...events.slice(-1).map((total) => withFilmTotals(total, cuts))])
    log.event(event);
  log.result(formatPlan(plan, `plan for ${log.out.bold(loaded.storyboard.name)} on ${providerId} (${displayPath(ctx, lockPath)})`, log.out));
  const films = formatCutPlan(cuts, log.out);
  if (films !== '') log.result(`\n${films}`);
  for (const note of profileNotes(loaded.storyboard.provider.profile)) log.result(`${log.out.dim('note:')} ${note}\n`);
  checkLimits(plan, flags);
  return EXIT.ok;
}

/** `--frozen` and `--max-cost`: refuse before anything is sent. */
export function checkLimits(plan: Plan, flags: Pick<CommonFlags, 'frozen' | 'maxCost'>): void {
  if (flags.frozen && plan.totals.render > 0) {
    const first = plan.jobs.find((job) => job.action === 'render')!;
    throw new PlanRefusedError(
      'frozen',
      `--frozen: ${plan.totals.render} job${plan.totals.render === 1 ? '' : 's'} would have to render (first: ${first.id}, ${describePlanReason(first.reason)})`,
      {
        hint: 'run without --frozen to render them, or restore the lockfile and files they came from',
      },
    );
  }
  const limits = flags.maxCost ?? [];
  if (limits.length === 0) return;
  // Per currency: a limit in one currency says nothing of another, so spending in a currency without a limit is refused too.
  const problem = checkMaxCost(plan.totals.costs, limits)[0];
  if (problem?.code === 'over-limit') {
    throw new PlanRefusedError('max-cost', `--max-cost: the plan costs ${formatMoney(problem.total)}, above the limit of ${formatMoney(problem.limit)}`, {
      hint: 'render fewer jobs with --only, or raise --max-cost',
    });
  }
  if (problem?.code === 'currency-without-limit') {
    throw new PlanRefusedError(
      'max-cost',
      `--max-cost: the plan costs ${formatMoney(problem.total)}, and no limit is given in ${problem.total.currency} (limits: ${problem.limits.map(formatMoney).join(', ')})`,
      {
        hint: `add --max-cost <amount>${problem.total.currency} to bound what the plan spends in ${problem.total.currency}`,
      },
    );
  }
}

/** `shotlist plan FILE`. */
export const command = defineCommand({
  name: 'plan',
  description: 'show what render would do, job by job, with the reason and the cost',
  arguments: [['<file>', 'storyboard file']],
  options: withCommonFlags,
  run: ([file]: [string], flags: CommonFlags, ctx) => runPlan(file, flags, ctx),
});
