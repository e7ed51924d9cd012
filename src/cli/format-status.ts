import type { PlanAction } from '../plan/plan.js';
import type { JobHeadline, JobStatus, StatusReport, StatusTotals } from '../status/assess-status.js';
import type { StatusNote } from '../status/status-note.js';
import { formatDuration } from '../format/format-duration.js';
import type { Style } from './style.js';
import { describePlanReason } from './format-plan-reason.js';
import { printable } from '../untrusted/control-characters.js';

/** How each headline reads in the first column. */
const LABEL: Readonly<Record<JobHeadline, string>> = {
  ok: 'ok',
  orphan: '- orphan',
  not_rendered: '+ not rendered',
  failed: '! failed',
  in_flight: '> in flight',
  missing: '! missing',
  altered: '! altered',
  rerender: '~ re-render',
  moved: '→ moved',
  blocked: '! blocked',
  gone: 'gone',
  expired: 'expired',
  expiring: 'expiring',
};

function colourOf(row: JobStatus, style: Style): (text: string) => string {
  if (row.headline === 'ok') return style.dim;
  if (!row.attention) return style.cyan;
  return row.headline === 'not_rendered' || row.headline === 'rerender' || row.headline === 'in_flight' || row.headline === 'orphan' ? style.yellow : style.red;
}

/** One line per job and per orphan, then the totals. */
export function formatStatus(report: StatusReport, header: string, style: Style): string {
  const width = Math.min(64, Math.max(8, ...report.rows.map((row) => row.id.length)));
  const lines = [header, ''];
  for (const row of report.rows) {
    const label = colourOf(row, style)(LABEL[row.headline].padEnd(14));
    // Orphans' ids are the lockfile's keys; notes quote the server and the lockfile.
    lines.push(`  ${label}  ${printable(row.id).padEnd(width)}  ${printable(row.notes.map(describeStatusNote).join('; '))}`.trimEnd());
  }
  lines.push('', formatStatusTotals(report.totals));
  return `${lines.join('\n')}\n`;
}

function formatStatusTotals(totals: StatusTotals): string {
  const files = [
    `${totals.files.ok} ok`,
    totals.files.missing > 0 ? `${totals.files.missing} missing` : '',
    totals.files.altered > 0 ? `${totals.files.altered} altered` : '',
  ].filter(Boolean);
  const server = Object.entries(totals.server)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state === 'in_flight' ? 'in flight' : state === 'expiring' ? 'expiring within 2 h' : state}`);
  const extras = [
    totals.notRendered > 0 ? `${totals.notRendered} not rendered` : '',
    totals.orphans > 0 ? `${totals.orphans} orphan${totals.orphans === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  const verdict = totals.attention === 0 ? 'all in order' : `${totals.attention} need${totals.attention === 1 ? 's' : ''} attention`;
  const where = totals.offline ? 'lockfile (offline)' : 'server';
  const remote = totals.remote === null ? '' : `; remote holds ${totals.remote.held} of ${totals.remote.held + totals.remote.missing} files`;
  return `${totals.jobs} job${totals.jobs === 1 ? '' : 's'}, ${verdict}: files ${files.join(', ')}; ${where} ${server.length > 0 ? server.join(', ') : 'no videos'}${remote}${extras.length > 0 ? `; ${extras.join(', ')}` : ''}`;
}

/** The NDJSON events of `status --json`. */
export function statusEvents(report: StatusReport, storyboard: string): Record<string, unknown>[] {
  const rows = report.rows.map((row) => ({
    event: 'status.job',
    id: row.id,
    shot: row.shot,
    state: row.headline,
    attention: row.attention,
    lock: row.lock,
    video_id: row.videoId,
    held_by: row.heldBy,
    file: row.video,
    thumbnail: row.thumbnail,
    server: row.server,
    checked: row.checked,
    expires_at: row.expiresAt,
    action: row.action,
    ...(row.remote === null ? {} : { remote: row.remote }),
    notes: row.notes.map(describeStatusNote),
    note_codes: row.notes.map((note) => note.code),
  }));
  const { totals } = report;
  const total = {
    event: 'status.total',
    storyboard,
    jobs: totals.jobs,
    attention: totals.attention,
    files: totals.files,
    server: totals.server,
    orphans: totals.orphans,
    not_rendered: totals.notRendered,
    offline: totals.offline,
    ...(totals.remote === null ? {} : { remote: totals.remote }),
  };
  return [...rows, total];
}

/** A status note in words, as the table and `status --json` show it. */
export function describeStatusNote(note: StatusNote): string {
  switch (note.code) {
    case 'orphan':
      return 'no longer in the storyboard; a full render drops it from the lockfile';
    case 'not-rendered':
      return note.blocked === null ? 'not rendered yet' : `not rendered yet: ${describePlanReason(note.blocked)}`;
    case 'failed':
      return note.message === null ? 'failed' : `failed: ${note.message}`;
    case 'in-flight':
      return `in flight (${note.lock})`;
    case 'file-missing':
      return 'file missing';
    case 'file-altered':
      return 'file altered on disk (sha256 differs from the lockfile)';
    case 'plan':
      return describePlanReason(note.reason);
    case 'renamed':
      return `recorded as ${note.from}, renamed since (same request)`;
    case 'render-will':
      return `render will ${VERB[note.action]}`;
    case 'thumbnail-missing':
      return 'thumbnail missing';
    case 'thumbnail-altered':
      return 'thumbnail altered on disk';
    case 'held-by':
      return `on ${note.server}`;
    case 'remote-missing':
      return `${note.output} not on the remote (shotlist push uploads it)`;
    case 'video-expired':
      return `video expired ${sourceOf(note.checked)}${note.secondsAgo === null ? '' : ` ${formatDuration(note.secondsAgo)} ago`}`;
    case 'video-expiring':
      return `video expires ${sourceOf(note.checked)} in ${formatDuration(note.inSeconds)}`;
    case 'video-gone':
      return 'video gone from the server (404)';
    case 'video-failed':
      return `video failed ${sourceOf(note.checked)}`;
    case 'video-rendering':
      return `video still rendering ${sourceOf(note.checked)}`;
    case 'video-completed':
      return `video completed ${sourceOf(note.checked)}`;
  }
}

function sourceOf(checked: boolean): string {
  return checked ? 'on the server' : 'per the lockfile';
}

/** What `render` would do, after "render will". */
const VERB: Readonly<Record<PlanAction, string>> = {
  render: 'render it again',
  download: 'download it',
  pull: 'pull it from the remote',
  resume: 'resume it',
  move: 'move it to this id and rename its files (nothing is sent)',
  failed: 'not send it again until its request changes (--retry-failed sends it)',
  reuse: 'reuse',
  blocked: 'blocked',
};
