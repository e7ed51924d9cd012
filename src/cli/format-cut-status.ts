import type { CutHeadline, CutStatus } from '../status/assess-cuts.js';
import { printable } from '../untrusted/control-characters.js';
import { describeCutReason } from './format-cuts.js';
import type { Style } from './style.js';

/** `shotlist status`: the films of the cuts, one line each below the jobs', in the same columns. */

const LABEL: Readonly<Record<CutHeadline, string>> = {
  ok: 'ok',
  not_built: '+ not built',
  missing: '! missing',
  altered: '! altered',
  stale: '~ re-cut',
  blocked: '! blocked',
  orphan: '- orphan',
};

function noteOf(row: CutStatus): string {
  const files = (['video', 'timeline'] as const).flatMap((kind) =>
    row[kind] === 'missing' || row[kind] === 'altered'
      ? [`${kind === 'video' ? 'film' : '.otio'} ${row[kind] === 'missing' ? 'missing' : 'altered on disk'}`]
      : [],
  );
  if (row.headline === 'orphan') return [...files, 'no longer in the storyboard; a full render drops it from the lockfile'].join('; ');
  const reason =
    row.reason === null || row.reason.code === 'up-to-date' || row.reason.code === 'file-missing' || row.reason.code === 'file-altered'
      ? []
      : [describeCutReason(row.reason)];
  const will = row.action === 'cut' ? ['render will cut it again'] : [];
  return [...files, ...(row.headline === 'not_built' ? ['not built yet'] : []), ...reason, ...will].join('; ');
}

export function formatCutStatus(rows: readonly CutStatus[], style: Style): string {
  const width = Math.min(64, Math.max(8, ...rows.map((row) => row.id.length)));
  const lines = rows.map((row) => {
    const colour =
      row.headline === 'ok' ? style.dim : row.headline === 'missing' || row.headline === 'altered' || row.headline === 'blocked' ? style.red : style.yellow;
    return `  ${colour(LABEL[row.headline].padEnd(14))}  ${printable(row.id).padEnd(width)}  ${printable(noteOf(row))}`.trimEnd();
  });
  const attention = rows.filter((row) => row.attention).length;
  lines.push(
    '',
    `${rows.length} film${rows.length === 1 ? '' : 's'}, ${attention === 0 ? 'all in order' : `${attention} need${attention === 1 ? 's' : ''} attention`}`,
  );
  return `${lines.join('\n')}\n`;
}

/** `status --json`: one `status.cut` event per film. */
export function cutStatusEvents(rows: readonly CutStatus[]): Record<string, unknown>[] {
  return rows.map((row) => ({
    event: 'status.cut',
    id: row.id,
    state: row.headline,
    attention: row.attention,
    file: row.video,
    timeline: row.timeline,
    action: row.action,
    reason_code: row.reason?.code ?? null,
    note: noteOf(row),
  }));
}
