import type { Style } from './style.js';
import type { Plan, PlanAction, PlannedJob, PlanTotals } from '../plan/plan.js';
import type { JobRequest } from '../lockfile/fingerprint.js';
import { formatTable, type Cell } from './text-table.js';
import { printable } from '../untrusted/control-characters.js';
import { describePlanReason } from './format-plan-reason.js';
import { formatTotals as formatCostTotals, totalsAsMoney } from '../providers/cost-totals.js';
import { formatMoney, unitsOf, type Money } from '../providers/money.js';

type Colour = Exclude<keyof Style, 'enabled'> | null;

/** How a row of the plan is shown: the SPEC's plan vocabulary. */
interface Look {
  readonly symbol: string;
  readonly colour: Colour;
}

/** One row per action: a new action is shown once it has its row here. */
const LOOK: Readonly<Record<PlanAction, Look>> = {
  render: { symbol: '~ render', colour: 'yellow' },
  resume: { symbol: '> resume', colour: 'cyan' },
  download: { symbol: '↓ download', colour: 'cyan' },
  pull: { symbol: '↓ pull', colour: 'cyan' },
  reuse: { symbol: '= reuse', colour: 'dim' },
  move: { symbol: '→ moved', colour: 'cyan' },
  failed: { symbol: '! failed', colour: 'red' },
  blocked: { symbol: '! blocked', colour: 'red' },
};
/** A render of a job the lockfile has never seen, told apart from a changed one. */
const NEW_RENDER: Look = { symbol: '+ render', colour: 'green' };
const ORPHAN: Look = { symbol: '- orphan', colour: 'dim' };

function lookOf(job: PlannedJob): Look {
  return job.action === 'render' && job.entry === null ? NEW_RENDER : LOOK[job.action];
}

/**
 * One line per job, one per orphan, then the total line. Columns: action, job id, model, size,
 * seconds, cost (of what renders), reason; the reason last, as it runs long.
 */
export function formatPlan(plan: Plan, header: string, style: Style): string {
  // A reason may quote a lockfile's (a server's) failure message; an orphan's id is a lockfile's key.
  const row = (look: Look, id: string, request: JobRequest, cost: string, reason: string): Cell[] => [
    { text: look.symbol, ...(look.colour ? { colour: style[look.colour] } : {}) },
    { text: id },
    { text: request.model ?? 'default' },
    { text: request.size },
    { text: `${request.seconds} s`, align: 'right' },
    { text: cost, align: 'right' },
    { text: reason },
  ];
  const rows = [
    ...plan.jobs.map((job) =>
      row(lookOf(job), job.id, job.request, job.action === 'render' ? formatCost(job.cost) : '', printable(describePlanReason(job.reason))),
    ),
    ...plan.orphans.map((orphan) => row(ORPHAN, printable(orphan.id), orphan.entry.request, '', 'no longer in the storyboard')),
  ];
  return `${[header, '', ...formatTable(rows), '', formatTotals(plan.totals)].join('\n')}\n`;
}

export function formatTotals(totals: PlanTotals): string {
  const parts: string[] = [];
  // Nothing priced is an unknown cost, not a free one.
  // Per currency, never added across them (`$12.40 + 3.50 EUR`).
  const cost =
    totals.unpriced > 0 && totals.unpriced === totals.render
      ? formatUsd(null)
      : `${formatCostTotals(totals.costs)}${totals.unpriced > 0 ? ` + ${totals.unpriced} unpriced` : ''}`;
  const renders = `${totals.render} to render (${totals.seconds} s of video, ${cost})`;
  parts.push(renders);
  if (totals.resume > 0) parts.push(`${totals.resume} to resume`);
  if (totals.download > 0) parts.push(`${totals.download} to download`);
  if (totals.pull > 0) parts.push(`${totals.pull} to pull from the remote`);
  parts.push(`${totals.reuse} reused`);
  if (totals.move > 0) parts.push(`${totals.move} moved`);
  if (totals.failed > 0) parts.push(`${totals.failed} failed (not sent again)`);
  if (totals.blocked > 0) parts.push(`${totals.blocked} blocked`);
  const extras = [
    totals.orphan > 0 ? `${totals.orphan} orphan${totals.orphan === 1 ? '' : 's'}` : '',
    totals.unselected > 0 ? `${totals.unselected} not selected by --only` : '',
  ].filter(Boolean);
  return `${totals.jobs} job${totals.jobs === 1 ? '' : 's'}: ${parts.join(', ')}${extras.length > 0 ? `; ${extras.join(', ')}` : ''}`;
}

export function formatUsd(usd: number | null): string {
  return usd === null ? '$?' : `$${usd.toFixed(2)}`;
}

/** `$1.20`, `0.50 EUR`, or `?` when the price is unknown. */
export function formatCost(cost: Money | null): string {
  return cost === null ? '$?' : formatMoney(cost);
}

/** A cost in JSON: `{amount, currency}`, or null when unknown. */
export function costField(cost: Money | null): { amount: number; currency: string } | null {
  return cost === null ? null : { amount: unitsOf(cost), currency: cost.currency };
}

/** Totals per currency in JSON: `{"USD": 12.4, "EUR": 3.5}`. */
export function costsField(totals: PlanTotals): Record<string, number> {
  return Object.fromEntries(totalsAsMoney(totals.costs).map((money) => [money.currency, unitsOf(money)]));
}

/** `--json`: one event per job, one per orphan, then a total; newline-delimited. */
export function planEvents(plan: Plan, storyboard: string, provider: string): object[] {
  const events: object[] = plan.jobs.map((job) => ({
    event: 'plan.job',
    id: job.id,
    shot: job.shotId,
    action: job.action,
    new: job.action === 'render' && job.entry === null,
    reason: describePlanReason(job.reason),
    reason_code: job.reason.code,
    changed: job.changed,
    model: job.request.model,
    size: job.request.size,
    seconds: job.seconds,
    cost_usd: job.action === 'render' ? job.costUsd : 0,
    cost: job.action === 'render' ? costField(job.cost) : null,
    remix_of: job.remixOf,
    parent: job.parent === null ? null : { kind: job.parent.kind, job: job.parent.job },
    video_id: job.entry?.video_id ?? null,
    fingerprint: job.fingerprint,
    moved_from: job.movedFrom,
  }));
  for (const orphan of plan.orphans) events.push({ event: 'plan.orphan', id: orphan.id, video_id: orphan.entry.video_id });
  events.push({ event: 'plan.total', storyboard, provider, ...totalsFields(plan.totals) });
  return events;
}

/** A plan's totals as the JSON events carry them (`plan.total`, `run.start`). */
export function totalsFields(t: PlanTotals): Record<string, number | Record<string, number>> {
  return {
    jobs: t.jobs,
    render: t.render,
    resume: t.resume,
    download: t.download,
    ...(t.pull > 0 ? { pull: t.pull } : {}),
    reuse: t.reuse,
    move: t.move,
    failed: t.failed,
    blocked: t.blocked,
    orphan: t.orphan,
    unselected: t.unselected,
    seconds: t.seconds,
    cost_usd: t.costUsd,
    unpriced: t.unpriced,
    costs: costsField(t),
  };
}
