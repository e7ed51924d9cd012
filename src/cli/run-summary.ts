import { appendFile } from 'node:fs/promises';
import { onEnvironment } from '../files/environment-error.js';
import type { Plan } from '../plan/plan.js';
import type { JobReport, RenderResult } from '../run/render-storyboard.js';
import { formatUsd } from './format-plan.js';

/**
 * The Markdown summary of a render for CI job summaries (`--summary FILE`, e.g.
 * `$GITHUB_STEP_SUMMARY`). Appended, as CI summary files collect every step's.
 */
export function formatRunSummary(name: string, plan: Plan, result: RenderResult | null): string {
  const reports = result?.reports ?? [];
  const count = (status: string) => reports.filter((report) => report.status === status).length;
  const byAction = (action: string) => reports.filter((report) => report.status === 'completed' && report.job.action === action);
  const rendered = byAction('render');
  const rows: [string, number][] = [
    ['rendered', rendered.length + byAction('resume').length],
    ['downloaded', byAction('download').length],
    ['reused', plan.totals.reuse],
    ['failed', count('failed')],
    ['skipped (a parent failed)', count('skipped')],
    ['not started (interrupted)', count('cancelled')],
    ['blocked', plan.totals.blocked],
  ];
  const lines = [`## shotlist: ${escapeMd(name)}`, '', '| | jobs |', '|---|---:|', ...rows.map(([label, n]) => `| ${label} | ${n} |`), '', `Spent: ${formatUsd(spentUsd(reports))} (estimated from the provider's prices)${result?.interrupted ? ' — interrupted; the next run resumes' : ''}`, ''];
  const problems = [
    ...reports.flatMap((report) => (report.status === 'failed' || report.status === 'skipped' ? [`- \`${escapeMd(report.job.id)}\`: ${report.status}, ${escapeMd(report.reason)}`] : [])),
    ...plan.jobs.filter((job) => job.action === 'blocked').map((job) => `- \`${escapeMd(job.id)}\`: blocked, ${escapeMd(job.reason)}`),
  ];
  if (problems.length > 0) lines.push('### Needs attention', '', ...problems, '');
  if (rendered.length > 0) lines.push('### Rendered', '', ...rendered.map((report) => `- \`${escapeMd(report.job.id)}\`: ${escapeMd(report.job.reason)}`), '');
  return `${lines.join('\n')}\n`;
}

/** What a run spent, in dollars: the estimated cost of each render it completed, added in cents. */
export function spentUsd(reports: readonly JobReport[]): number {
  return reports.reduce((sum, report) => sum + (report.status === 'completed' && report.job.action === 'render' ? Math.round((report.job.costUsd ?? 0) * 100) : 0), 0) / 100;
}

/** Appends to `file` (created if missing); a full disk or a path that cannot be written is the user's environment, said as such. */
export async function appendRunSummary(file: string, text: string): Promise<void> {
  await onEnvironment('append the run summary to', file, () => appendFile(file, text, 'utf8'));
}

/** Prompts and ids are the user's text: nothing in them may turn into Markdown or HTML. */
function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|#]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}
