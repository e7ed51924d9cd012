import { invalidRequest, invalidValue } from './errors.js';
import type { JobRecord } from './job.js';

export interface ListQuery {
  limit: number;
  order: 'asc' | 'desc';
  after: string | null;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/** `limit` 0–100 (default 20), `order` asc|desc (default desc), `after` an id (reference §5). */
export function parseListQuery(params: URLSearchParams): ListQuery {
  return { limit: parseLimit(params.get('limit')), order: parseOrder(params.get('order')), after: params.get('after') };
}

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_LIMIT;
  if (!/^-?\d+$/.test(raw)) {
    throw invalidRequest(`Invalid 'limit': expected an integer, but got '${raw}' instead.`, 'limit', 'invalid_type');
  }
  const limit = Number(raw);
  if (limit < 0) {
    throw invalidRequest(`Invalid 'limit': integer below minimum value. Expected a value >= 0, but got ${limit} instead.`, 'limit', 'integer_below_min_value');
  }
  if (limit > MAX_LIMIT) {
    throw invalidRequest(
      `Invalid 'limit': integer above maximum value. Expected a value <= ${MAX_LIMIT}, but got ${limit} instead.`,
      'limit',
      'integer_above_max_value',
    );
  }
  return limit;
}

function parseOrder(raw: string | null): 'asc' | 'desc' {
  if (raw === null || raw === 'desc') return 'desc';
  if (raw === 'asc') return 'asc';
  throw invalidValue('order', raw, ['asc', 'desc']);
}

/**
 * One page of the live (not deleted) jobs. `jobs` includes deleted ones so that `after`
 * naming a job deleted between two pages still marks a position.
 */
export function pageOf(jobs: readonly JobRecord[], query: ListQuery): { items: JobRecord[]; hasMore: boolean } {
  const ordered = [...jobs].sort((a, b) => (query.order === 'asc' ? a.seq - b.seq : b.seq - a.seq));
  let start = 0;
  if (query.after !== null) {
    const index = ordered.findIndex((job) => job.id === query.after);
    if (index < 0) throw invalidRequest(`Invalid 'after': no video with id '${query.after}'.`, 'after', 'invalid_value');
    start = index + 1;
  }
  const live = ordered.slice(start).filter((job) => job.deletedMs === null);
  return { items: live.slice(0, query.limit), hasMore: live.length > query.limit };
}
