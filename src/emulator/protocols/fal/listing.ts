import type { EmulatorContext } from '../../context.js';
import type { JobRecord } from '../../job.js';
import { deriveState, startedAtMs } from '../../lifecycle.js';
import { isoTime } from '../json.js';
import { detailError } from './errors.js';
import { falStatus, falWire, isCancelled } from './request-view.js';
import { outcomeOf } from './result.js';

/**
 * The Platform API's `GET /v1/models/requests/by-endpoint` (reference §11): how a client finds a
 * request whose submit answer it lost. Lists finished requests only, newest end first, as the
 * reference warns the real one may.
 */
const DAY_MS = 86_400_000;
const MAX_ENDPOINTS = 50;
const STATUS_CLASSES = ['success', 'error', 'user_error'];

export async function listByEndpoint(ctx: EmulatorContext, query: URLSearchParams): Promise<Record<string, unknown>> {
  const endpoints = query
    .getAll('endpoint_id')
    .flatMap((value) => value.split(','))
    .map((each) => each.trim())
    .filter((each) => each !== '');
  if (endpoints.length === 0) throw detailError(422, [{ loc: ['query', 'endpoint_id'], msg: 'Field required', type: 'missing', input: null }]);
  if (endpoints.length > MAX_ENDPOINTS) throw detailError(422, `At most ${MAX_ENDPOINTS} endpoint_id values.`);
  const requestId = query.get('request_id');
  const nowMs = ctx.now();
  const end = timeParam(query, 'end') ?? nowMs;
  const start = timeParam(query, 'start') ?? end - (requestId === null ? 1 : 90) * DAY_MS;
  const status = query.get('status');
  if (status !== null && !STATUS_CLASSES.includes(status)) {
    throw detailError(422, [{ loc: ['query', 'status'], msg: "Input should be 'success', 'error' or 'user_error'", type: 'literal_error', input: status }]);
  }
  const limit = intParam(query, 'limit', 1, 100) ?? 50;
  const offset = cursorOffset(query.get('cursor'));
  const expand = query
    .getAll('expand')
    .flatMap((value) => value.split(','))
    .includes('payloads');

  const finished = ctx.store
    .all()
    .filter((job) => endpoints.includes(falWire(job).endpointId) && (requestId === null || job.id === requestId))
    .filter((job) => job.createdMs >= start && job.createdMs < end && falStatus(job, nowMs) === 'COMPLETED' && !isCancelled(job, nowMs))
    .sort((a, b) => endedMs(b, nowMs) - endedMs(a, nowMs) || b.seq - a.seq);
  const items = [];
  for (const job of finished) {
    const outcome = await outcomeOf(ctx, job);
    if (status !== null && classOf(outcome.status) !== status) continue;
    items.push({ job, outcome });
  }
  const page = items.slice(offset, offset + limit);
  const hasMore = items.length > offset + limit;
  return {
    items: page.map(({ job, outcome }) => ({
      request_id: job.id,
      endpoint_id: falWire(job).endpointId,
      sent_at: isoTime(job.createdMs),
      started_at: isoTime(startedAtMs(job)),
      ended_at: isoTime(endedMs(job, nowMs)),
      status_code: outcome.status,
      duration: (endedMs(job, nowMs) - startedAtMs(job)) / 1000,
      ...(expand ? { json_input: falWire(job).input, json_output: outcome.body } : {}),
    })),
    next_cursor: hasMore ? Buffer.from(`offset:${offset + limit}`).toString('base64url') : null,
    has_more: hasMore,
  };
}

function endedMs(job: JobRecord, nowMs: number): number {
  return deriveState(job, nowMs).completedMs ?? nowMs;
}

function classOf(status: number): string {
  return status < 400 ? 'success' : status < 500 ? 'user_error' : 'error';
}

function timeParam(query: URLSearchParams, name: string): number | null {
  const raw = query.get(name);
  if (raw === null) return null;
  const ms = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(ms)) {
    throw detailError(422, [{ loc: ['query', name], msg: 'Input should be a valid datetime', type: 'datetime_from_date_parsing', input: raw }]);
  }
  return ms;
}

function intParam(query: URLSearchParams, name: string, min: number, max: number): number | null {
  const raw = query.get(name);
  if (raw === null) return null;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw detailError(422, [{ loc: ['query', name], msg: `Input should be an integer from ${min} to ${max}`, type: 'int_parsing', input: raw }]);
  }
  return n;
}

/** Cursors are opaque to clients; here, the offset into the list. */
function cursorOffset(cursor: string | null): number {
  if (cursor === null) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw detailError(422, [{ loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error', input: cursor }]);
  return Number(match[1]);
}
