import type { Style } from './style.js';
import type { Plan, PlannedJob, PlanTotals } from '../plan/plan.js';
import { printable } from '../untrusted/control-characters.js';

/** How each action is shown: the SPEC's plan vocabulary. */
function symbolOf(job: PlannedJob): string {
  switch (job.action) {
    case 'render':
      return job.entry === null ? '+ render' : '~ render';
    case 'resume':
      return '> resume';
    case 'download':
      return '↓ download';
    case 'reuse':
      return '= reuse';
    case 'blocked':
      return '! blocked';
  }
}

function colourOf(job: PlannedJob, style: Style): (text: string) => string {
  switch (job.action) {
    case 'render':
      return job.entry === null ? style.green : style.yellow;
    case 'blocked':
      return style.red;
    case 'reuse':
      return style.dim;
    default:
      return style.cyan;
  }
}

/** One line per job, one per orphan, then the total line. */
export function formatPlan(plan: Plan, header: string, style: Style): string {
  const width = Math.min(64, Math.max(8, ...plan.jobs.map((job) => job.id.length), ...plan.orphans.map((o) => o.id.length)));
  const lines = [header, ''];
  for (const job of plan.jobs) {
    const colour = colourOf(job, style);
    const cost = job.action === 'render' ? `${String(job.seconds).padStart(3)} s  ${formatUsd(job.costUsd).padStart(7)}` : '';
    // A reason may quote a lockfile's (a server's) failure message.
    lines.push(`  ${colour(symbolOf(job).padEnd(10))}  ${job.id.padEnd(width)}  ${printable(job.reason).padEnd(28)}  ${cost}`.trimEnd());
  }
  // An orphan's id is a lockfile's key, not a storyboard's.
  for (const orphan of plan.orphans) lines.push(`  ${style.dim('- orphan'.padEnd(10))}  ${printable(orphan.id).padEnd(width)}  no longer in the storyboard`);
  lines.push('', formatTotals(plan.totals));
  return `${lines.join('\n')}\n`;
}

export function formatTotals(totals: PlanTotals): string {
  const parts: string[] = [];
  // Nothing priced is an unknown cost, not a free one.
  const cost = totals.unpriced > 0 && totals.unpriced === totals.render ? formatUsd(null) : `${formatUsd(totals.costUsd)}${totals.unpriced > 0 ? ` + ${totals.unpriced} unpriced` : ''}`;
  const renders = `${totals.render} to render (${totals.seconds} s of video, ${cost})`;
  parts.push(renders);
  if (totals.resume > 0) parts.push(`${totals.resume} to resume`);
  if (totals.download > 0) parts.push(`${totals.download} to download`);
  parts.push(`${totals.reuse} reused`);
  if (totals.blocked > 0) parts.push(`${totals.blocked} blocked`);
  const extras = [totals.orphan > 0 ? `${totals.orphan} orphan${totals.orphan === 1 ? '' : 's'}` : '', totals.unselected > 0 ? `${totals.unselected} not selected by --only` : ''].filter(Boolean);
  return `${totals.jobs} job${totals.jobs === 1 ? '' : 's'}: ${parts.join(', ')}${extras.length > 0 ? `; ${extras.join(', ')}` : ''}`;
}

export function formatUsd(usd: number | null): string {
  return usd === null ? '$?' : `$${usd.toFixed(2)}`;
}

/** `--json`: one event per job, one per orphan, then a total; newline-delimited. */
export function planEvents(plan: Plan, storyboard: string, provider: string): object[] {
  const events: object[] = plan.jobs.map((job) => ({
    event: 'plan.job',
    id: job.id,
    shot: job.shotId,
    action: job.action,
    new: job.action === 'render' && job.entry === null,
    reason: job.reason,
    changed: job.changed,
    model: job.request.model,
    size: job.request.size,
    seconds: job.seconds,
    cost_usd: job.action === 'render' ? job.costUsd : 0,
    remix_of: job.remixOf,
    video_id: job.entry?.video_id ?? null,
    fingerprint: job.fingerprint,
  }));
  for (const orphan of plan.orphans) events.push({ event: 'plan.orphan', id: orphan.id, video_id: orphan.entry.video_id });
  const t = plan.totals;
  events.push({
    event: 'plan.total',
    storyboard,
    provider,
    jobs: t.jobs,
    render: t.render,
    resume: t.resume,
    download: t.download,
    reuse: t.reuse,
    blocked: t.blocked,
    orphan: t.orphan,
    unselected: t.unselected,
    seconds: t.seconds,
    cost_usd: t.costUsd,
    unpriced: t.unpriced,
  });
  return events;
}
