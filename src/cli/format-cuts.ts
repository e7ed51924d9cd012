import type { CutPlan, CutReason, PlannedCut } from '../plan/plan-cuts.js';
import type { CutEvent, CutReport } from '../run/run-cuts.js';
import { printable } from '../untrusted/control-characters.js';
import { formatUsd } from './format-plan.js';
import type { Style } from './style.js';
import { formatTable, type Cell } from './text-table.js';
import { markdownCode, markdownText } from './run-summary.js';

/**
 * The films of the cuts as the CLI shows them: plan rows (`+ cut`, `~ cut`, `= reuse`,
 * `! blocked`) below the jobs', a total line, their progress and their ends during a render,
 * and the `--json` events of each.
 */

type Colour = Exclude<keyof Style, 'enabled'> | null;

function lookOf(cut: PlannedCut): { readonly symbol: string; readonly colour: Colour } {
  if (cut.action === 'reuse') return { symbol: '= reuse', colour: 'dim' };
  if (cut.action === 'blocked') return { symbol: '! blocked', colour: 'red' };
  return cut.entry === null ? { symbol: '+ cut', colour: 'green' } : { symbol: '~ cut', colour: 'yellow' };
}

/** A cut reason in words. */
export function describeCutReason(reason: CutReason): string {
  switch (reason.code) {
    case 'new':
      return 'new film';
    case 'replace':
      return 'forced by --replace';
    case 'clips-render':
      return `${listOf(reason.clips)} render${reason.clips.length === 1 ? 's' : ''} first`;
    case 'clips-changed':
      return `clip${reason.clips.length === 1 ? '' : 's'} ${listOf(reason.clips)} changed`;
    case 'settings-changed':
      return 'sequence or audio changed';
    case 'file-missing':
      return `${reason.file === 'video' ? 'film' : '.otio'} missing`;
    case 'file-altered':
      return `${reason.file === 'video' ? 'film' : '.otio'} altered on disk`;
    case 'up-to-date':
      return 'up to date';
    case 'clip-unavailable':
      return `clip ${reason.clip} ${reason.why === 'failed' ? 'failed and is not sent again' : reason.why === 'blocked' ? 'is blocked' : 'is not selected by --only'}`;
  }
}

function listOf(ids: readonly string[]): string {
  return ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`;
}

/** The films' rows (action, film id, `cut`, size, seconds, cost, reason) and their total line; empty without cuts. */
export function formatCutPlan(plan: CutPlan, style: Style): string {
  if (plan.cuts.length === 0 && plan.totals.unselected === 0) return '';
  const rows = plan.cuts.map((cut): Cell[] => {
    const look = lookOf(cut);
    return [
      { text: look.symbol, ...(look.colour ? { colour: style[look.colour] } : {}) },
      { text: printable(cut.id) },
      { text: 'cut' },
      { text: cut.size },
      { text: `${formatSeconds(cut.seconds)} s`, align: 'right' },
      // Assembled here: the server is not paid for it.
      { text: cut.action === 'cut' ? formatUsd(0) : '', align: 'right' },
      { text: printable(describeCutReason(cut.reason)) },
    ];
  });
  return `${[...formatTable(rows), '', formatCutTotals(plan)].join('\n')}\n`;
}

export function formatCutTotals(plan: CutPlan): string {
  const { cut, reuse, blocked, unselected } = plan.totals;
  const parts = [`${cut} to cut`, `${reuse} reused`, blocked > 0 ? `${blocked} blocked` : ''].filter(Boolean);
  const extras = [
    plan.orphans.length > 0 ? `${plan.orphans.length} orphan${plan.orphans.length === 1 ? '' : 's'}` : '',
    unselected > 0 ? `${unselected} not selected by --only` : '',
  ].filter(Boolean);
  const films = plan.cuts.length;
  return `${films} film${films === 1 ? '' : 's'}: ${parts.join(', ')} (no cost)${extras.length > 0 ? `; ${extras.join(', ')}` : ''}`;
}

function formatSeconds(seconds: number): string {
  return String(Math.round(seconds * 100) / 100);
}

/** `--json`: one event per film, after the jobs' and before the total. */
export function cutPlanEvents(plan: CutPlan): object[] {
  return plan.cuts.map((cut) => ({
    event: 'plan.cut',
    id: cut.id,
    action: cut.action,
    new: cut.action === 'cut' && cut.entry === null,
    reason: describeCutReason(cut.reason),
    reason_code: cut.reason.code,
    clips: cut.clips,
    size: cut.size,
    seconds: cut.seconds,
    cost_usd: 0,
    fingerprint: cut.fingerprint,
  }));
}

/** `plan.total` with the films' counts (`films`) when the storyboard has cuts; as it is otherwise. */
export function withFilmTotals(total: object, plan: CutPlan): object {
  if (plan.cuts.length === 0) return total;
  const { cut, reuse, blocked, unselected } = plan.totals;
  return { ...total, films: { films: plan.cuts.length, cut, reuse, blocked, orphan: plan.orphans.length, unselected } };
}

/** A film's progress during a render as a line (or a JSON event); `null` for what is not shown. */
export function cutEventLine(event: CutEvent, display: (absPath: string) => string): { readonly json: object; readonly text: string | null } | null {
  switch (event.type) {
    case 'cut-started':
      return { json: { event: 'cut.start', id: event.id }, text: `cut       ${printable(event.id)}: assembling\n` };
    case 'cut-progress':
      return null;
    case 'cut-settled':
      return settledLine(event.report, display);
  }
}

function settledLine(report: CutReport, display: (absPath: string) => string): { readonly json: object; readonly text: string | null } {
  const id = printable(report.id);
  switch (report.status) {
    case 'built':
      return {
        json: {
          event: 'cut.done',
          id: report.id,
          status: 'built',
          mode: report.mode,
          seconds: report.seconds,
          video: display(report.video),
          timeline: display(report.timeline),
          elapsed_ms: report.elapsedMs,
        },
        text: `cut done  ${id}: ${formatSeconds(report.seconds)} s film (${report.mode === 'copy' ? 'stream copy' : 'encoded'}, ${(report.elapsedMs / 1000).toFixed(1)} s) → ${printable(display(report.video))}\n`,
      };
    case 'reused':
      return { json: { event: 'cut.done', id: report.id, status: 'reused', video: display(report.video), timeline: display(report.timeline) }, text: null };
    case 'failed':
    case 'skipped':
      // Said in the summary at the end, with the jobs' failures.
      return {
        json: { event: 'cut.done', id: report.id, status: report.status, reason: report.reason, ...(report.status === 'skipped' ? { clip: report.clip } : {}) },
        text: null,
      };
    case 'cancelled':
      return { json: { event: 'cut.done', id: report.id, status: 'cancelled' }, text: null };
  }
}

/** The films' failures, one line each, and a count line; returns how many films did not come out. */
export function summarizeCuts(cuts: readonly CutReport[], say: (text: string) => void, style: Style): number {
  let bad = 0;
  for (const report of cuts) {
    if (report.status !== 'failed' && report.status !== 'skipped') continue;
    bad++;
    say(`${style.red(report.status)}  ${printable(report.id)}: ${printable(report.reason)}\n`);
  }
  if (cuts.length > 0) {
    const count = (status: CutReport['status']) => cuts.filter((report) => report.status === status).length;
    const parts = [
      `${count('built')} built`,
      count('reused') > 0 ? `${count('reused')} reused` : '',
      count('failed') > 0 ? `${count('failed')} failed` : '',
      count('skipped') > 0 ? `${count('skipped')} skipped` : '',
      count('cancelled') > 0 ? `${count('cancelled')} not assembled` : '',
    ].filter(Boolean);
    say(`films: ${parts.join(', ')}\n`);
  }
  return bad;
}

/** How many films ended each way: the `cuts.summary` event of `render --json`. */
export function cutSummaryEvent(cuts: readonly CutReport[]): Record<string, unknown> {
  const count = (status: CutReport['status']) => cuts.filter((report) => report.status === status).length;
  return {
    event: 'cuts.summary',
    films: cuts.length,
    built: count('built'),
    reused: count('reused'),
    failed: count('failed'),
    skipped: count('skipped'),
    cancelled: count('cancelled'),
  };
}

/** The films' part of the Markdown summary (`--summary`): a count per outcome and each film that did not come out; empty without films. */
export function formatCutSummary(cuts: readonly CutReport[]): string {
  if (cuts.length === 0) return '';
  const count = (status: CutReport['status']) => cuts.filter((report) => report.status === status).length;
  const rows: [string, number][] = [
    ['built', count('built')],
    ['up to date', count('reused')],
    ['failed', count('failed')],
    ['skipped (a clip did not come out)', count('skipped')],
    ['not assembled (interrupted)', count('cancelled')],
  ];
  const problems = cuts.flatMap((report) =>
    report.status === 'failed' || report.status === 'skipped' ? [`- ${markdownCode(report.id)}: ${report.status}, ${markdownText(report.reason)}`] : [],
  );
  const lines = ['| | films |', '|---|---:|', ...rows.filter(([, n]) => n > 0).map(([label, n]) => `| ${label} | ${n} |`), ''];
  if (problems.length > 0) lines.push('### Films that need attention', '', ...problems, '');
  return `${lines.join('\n')}\n`;
}
