import type { EmulatorContext } from '../../context.js';
import type { JobRecord } from '../../job.js';
import { problem } from './errors.js';
import { predictionOf } from './prediction.js';

/**
 * `GET /v1/predictions`: the account's predictions, newest first, 100 a page, with `next` and
 * `previous` as URLs holding an opaque cursor; `created_after` inclusive, `created_before`
 * exclusive (reference §6). The filters travel inside the cursor URLs.
 */
const PAGE = 100;

interface Cursor {
  /** `older`: predictions created before `seq`; `newer`: after it. */
  dir: 'older' | 'newer';
  seq: number;
}

export function listPredictions(ctx: EmulatorContext, query: URLSearchParams): Record<string, unknown> {
  const after = timeFilter(query, 'created_after');
  const before = timeFilter(query, 'created_before');
  const cursor = readCursor(query.get('cursor'));
  const all = ctx.store
    .all()
    .filter((job) => job.deletedMs === null && (after === null || job.createdMs >= after) && (before === null || job.createdMs < before))
    .sort((a, b) => b.seq - a.seq);
  let page: JobRecord[];
  if (cursor === null) page = all.slice(0, PAGE);
  else if (cursor.dir === 'older') page = all.filter((job) => job.seq < cursor.seq).slice(0, PAGE);
  else page = all.filter((job) => job.seq > cursor.seq).slice(-PAGE);
  const first = page[0];
  const last = page[page.length - 1];
  const hasOlder = last !== undefined && all.some((job) => job.seq < last.seq);
  const hasNewer = first !== undefined && all.some((job) => job.seq > first.seq);
  const link = (next: Cursor): string => {
    const params = new URLSearchParams();
    params.set('cursor', Buffer.from(JSON.stringify(next)).toString('base64url'));
    if (query.get('created_after') !== null) params.set('created_after', query.get('created_after')!);
    if (query.get('created_before') !== null) params.set('created_before', query.get('created_before')!);
    return `${ctx.origin()}/v1/predictions?${params.toString()}`;
  };
  return {
    next: hasOlder ? link({ dir: 'older', seq: last.seq }) : null,
    previous: hasNewer ? link({ dir: 'newer', seq: first.seq }) : null,
    results: page.map((job) => predictionOf(ctx, job)),
  };
}

function timeFilter(query: URLSearchParams, name: string): number | null {
  const raw = query.get(name);
  if (raw === null) return null;
  const ms = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(ms))
    throw problem(400, 'Invalid query parameter', `${name} must be an ISO 8601 date-time; got "${raw}".`);
  return ms;
}

function readCursor(raw: string | null): Cursor | null {
  if (raw === null) return null;
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if ((parsed.dir === 'older' || parsed.dir === 'newer') && Number.isInteger(parsed.seq)) return parsed;
  } catch {
    // fall through: not one of ours
  }
  throw problem(400, 'Invalid cursor', 'The cursor is not valid: follow the next and previous URLs as given.');
}
