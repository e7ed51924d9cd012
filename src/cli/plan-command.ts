import { PlanRefusedError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import { planStoryboard } from '../plan/plan-storyboard.js';
import { profileNotes } from '../providers/describe-profile.js';
import { EXIT } from './exit-codes.js';
import { formatPlan, formatUsd, planEvents } from './format-plan.js';
import { describePlanReason } from './format-plan-reason.js';
import { displayPath, explicitOutDir, loadForCommand } from './load-for-cli.js';
import type { CliContext, CommonFlags } from './context.js';
import { defineCommand } from './define-command.js';
import { withCommonFlags } from './flags.js';

/** `shotlist plan FILE`: what render would do, job by job, with the reason and the cost. */
export async function runPlan(file: string, flags: CommonFlags, ctx: CliContext): Promise<number> {
  const { loaded } = await loadForCommand(file, flags, ctx);
  const outDir = explicitOutDir(flags, ctx);
  const { plan, lockPath, providerId } = await planStoryboard(loaded, {
    now: Math.floor(ctx.io.now() / 1000),
    ...(outDir ? { outDir } : {}),
    only: flags.only,
    replace: flags.replace,
    ...(flags.retryFailed ? { retryFailed: true } : {}),
    ...(flags.retryAmbiguous ? { retryAmbiguous: true } : {}),
    display: (p) => displayPath(ctx, p),
  });
  const { log } = ctx;
  for (const event of log.json ? planEvents(plan, loaded.storyboard.name, providerId) : []) log.event(event);
  log.result(formatPlan(plan, `plan for ${log.out.bold(loaded.storyboard.name)} on ${providerId} (${displayPath(ctx, lockPath)})`, log.out));
  for (const note of profileNotes(loaded.storyboard.provider.profile)) log.result(`${log.out.dim('note:')} ${note}\n`);
  checkLimits(plan, flags);
  return EXIT.ok;
}

/** `--frozen` and `--max-cost`: refuse before anything is sent. */
export function checkLimits(plan: Plan, flags: Pick<CommonFlags, 'frozen' | 'maxCost'>): void {
  if (flags.frozen && plan.totals.render > 0) {
    const first = plan.jobs.find((job) => job.action === 'render')!;
    throw new PlanRefusedError('frozen', `--frozen: ${plan.totals.render} job${plan.totals.render === 1 ? '' : 's'} would have to render (first: ${first.id}, ${describePlanReason(first.reason)})`, {
      hint: 'run without --frozen to render them, or restore the lockfile and files they came from',
    });
  }
  if (flags.maxCost !== undefined && plan.totals.costUsd > flags.maxCost) {
    throw new PlanRefusedError('max-cost', `--max-cost: the plan costs ${formatUsd(plan.totals.costUsd)}, above the limit of ${formatUsd(flags.maxCost)}`, {
      hint: 'render fewer jobs with --only, or raise --max-cost',
    });
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
