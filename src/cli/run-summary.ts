import { formatTotals as formatCostTotals, NO_COST } from '../providers/cost-totals.js';
import { appendFile } from 'node:fs/promises';
import { onEnvironment } from '../files/environment-error.js';
import type { Plan } from '../plan/plan.js';
import type { JobReport, RenderResult } from '../run/render-storyboard.js';
import { describePlanReason } from './format-plan-reason.js';
import { printable } from '../untrusted/control-characters.js';
import { redact } from '../untrusted/redactor.js';

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
  // Rows of what only some runs see, shown when they happen.
  const moved = plan.moves.filter((move) => move.from !== move.to).length;
  if (moved > 0) rows.splice(3, 0, ['moved to a new id (nothing sent)', moved]);
  if (plan.totals.failed > 0) rows.splice(rows.length - 1, 0, ['failed before, not sent again', plan.totals.failed]);
  const lines = [
    `## shotlist: ${markdownText(name)}`,
    '',
    '| | jobs |',
    '|---|---:|',
    ...rows.map(([label, n]) => `| ${label} | ${n} |`),
    '',
    `Spent: ${formatCostTotals(result?.spent ?? NO_COST)} (estimated from the provider's prices)${result?.interrupted ? ' — interrupted; the next run resumes' : ''}`,
    '',
  ];
  const problems = [
    ...reports.flatMap((report) =>
      report.status === 'failed' || report.status === 'skipped' ? [`- ${markdownCode(report.job.id)}: ${report.status}, ${markdownText(report.reason)}`] : [],
    ),
    ...plan.jobs
      .filter((job) => job.action === 'blocked' || job.action === 'failed')
      .map((job) => `- ${markdownCode(job.id)}: ${job.action}, ${markdownText(describePlanReason(job.reason))}`),
  ];
  if (problems.length > 0) lines.push('### Needs attention', '', ...problems, '');
  if (rendered.length > 0)
    lines.push('### Rendered', '', ...rendered.map((report) => `- ${markdownCode(report.job.id)}: ${markdownText(describePlanReason(report.job.reason))}`), '');
  return `${lines.join('\n')}\n`;
}

/** What one job cost this run: its price when this run sent its create, else 0; null when the provider has no price for it. */
export function costOfReport(report: JobReport): number | null {
  return report.costUsd;
}

/**
 * Appended redacted: CI shows the summary to everyone who can read the run. A full disk or a
 * path that cannot be written is the user's environment, said as such.
 */
export async function appendRunSummary(file: string, text: string): Promise<void> {
  await onEnvironment('append the run summary to', file, () => appendFile(file, redact(text), 'utf8'));
}

/**
 * The user's or the server's text (names, reasons holding ids) as Markdown that GitHub shows
 * verbatim: every character that could start emphasis, strikethrough, a link, an entity, HTML,
 * math or a table cell is backslash-escaped, which CommonMark allows for any ASCII punctuation.
 * Line breaks become spaces: the text sits inside one list item. Redacted and made printable
 * first (escaping could hide a credential holding `_` from the redactor; a control character
 * must not reach a terminal that shows the file).
 */
export function markdownText(text: string): string {
  return printable(text.replace(/\r\n|\r|\n/g, ' ')).replace(/[\\`*_{}[\]<>|#~&$]/g, (c) => `\\${c}`);
}

/**
 * A job id as a code span that GitHub shows verbatim. Backslash escapes do not work inside code
 * spans (`\[` shows the backslash), so nothing is escaped: the fence is one backtick longer than
 * the longest run of backticks in the id, and a space pads an id that starts or ends with a
 * backtick, or with spaces on both ends (CommonMark strips one space from each end).
 */
export function markdownCode(text: string): string {
  const flat = printable(text.replace(/\r\n|\r|\n/g, ' '));
  const longestRun = Math.max(0, ...Array.from(flat.matchAll(/`+/g), (run) => run[0].length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ') && flat.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
