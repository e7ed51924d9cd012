import type { IncomingMessage } from 'node:http';
import { sendJson, startServer, type TestServer } from '../api/server.js';

/**
 * A real `/v1/videos` server on 127.0.0.1 whose every word is chosen by the test: what a failed
 * job's status, code and message say, what a refused create's envelope says, its request ids,
 * the ids and prompts its list holds. Its words may quote what it received (the Authorization
 * header, as a misconfigured gateway's error page does). Jobs never complete: every path that
 * carries a server's text into shotlist's outputs is a failure path.
 */

/** What the server says; `auth` in a function is the Authorization (or api-key) header it got. */
export interface HostileScript {
  /** The job's status when polled (an unknown word is a failure too). Default `failed`. */
  readonly status?: string | ((auth: string) => string);
  /** The failed job's `error`; `null` sends none (shotlist then quotes the status). */
  readonly error?: ((auth: string) => { code: string | number | null; message: string } | null) | { code: string | number | null; message: string } | null;
  /** When set, creates are refused with this HTTP status and envelope. */
  readonly refuseCreate?: { readonly status: number; readonly error: (auth: string) => Record<string, unknown> };
  /** The `x-request-id` of every answer. */
  readonly requestId?: string;
  /** Items of `GET /videos` beyond the jobs created (ids, statuses, prompts of its choosing). */
  readonly listed?: readonly Record<string, unknown>[];
}

export interface HostileServer extends TestServer {
  /** Creates the server accepted. */
  creates(): number;
}

export async function startHostileServer(script: HostileScript): Promise<HostileServer> {
  const jobs: Record<string, unknown>[] = [];
  const headers = script.requestId === undefined ? {} : { 'x-request-id': script.requestId };
  const server = await startServer((req, res, seen) => {
    const auth = authOf(req);
    const url = new URL(seen.url, 'http://x');
    if (req.method === 'POST' && url.pathname === '/v1/videos') {
      if (script.refuseCreate) return sendJson(res, script.refuseCreate.status, { error: script.refuseCreate.error(auth) }, headers);
      const job = {
        id: `video_${String(jobs.length + 1).padStart(4, '0')}`,
        object: 'video',
        model: 'sora-2',
        status: 'queued',
        progress: 0,
        created_at: Math.floor(Date.now() / 1000),
        completed_at: null,
        expires_at: null,
        prompt: 'p',
        size: '1280x720',
        seconds: '4',
        remixed_from_video_id: null,
        error: null,
      };
      jobs.push(job);
      return sendJson(res, 200, job, headers);
    }
    const one = /^\/v1\/videos\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && one) {
      const job = jobs.find((j) => j['id'] === decodeURIComponent(one[1]!));
      if (!job) return sendJson(res, 404, { error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } }, headers);
      const status = typeof script.status === 'function' ? script.status(auth) : (script.status ?? 'failed');
      const error = typeof script.error === 'function' ? script.error(auth) : (script.error ?? null);
      return sendJson(res, 200, { ...job, status, error }, headers);
    }
    if (req.method === 'GET' && url.pathname === '/v1/videos') {
      const data = [...jobs, ...(script.listed ?? [])];
      return sendJson(res, 200, { object: 'list', data, first_id: null, last_id: null, has_more: false }, headers);
    }
    if (req.method === 'DELETE' && one)
      return sendJson(
        res,
        400,
        { error: { message: typeof script.status === 'string' ? script.status : 'no', type: 'invalid_request_error', param: null, code: null } },
        headers,
      );
    return sendJson(res, 404, { error: { message: 'no such route', type: 'invalid_request_error', param: null, code: null } }, headers);
  });
  return { ...server, creates: () => jobs.length };
}

function authOf(req: IncomingMessage): string {
  const value = req.headers['authorization'] ?? req.headers['api-key'] ?? '';
  return Array.isArray(value) ? value.join(', ') : value;
}

/** A storyboard of two shots and a remix on the `openai` profile at `url`, polled without the remote floor. */
export function hostileStoryboard(url: string): string {
  return `version: 1
name: hostile
provider: {profile: openai, base_url: ${url}, min_poll_ms: 20}
defaults: {model: sora-2, size: 1280x720, seconds: 4}
shots:
  - id: mug
    prompt: A mug on a counter.
  - id: teapot
    prompt: A teapot on a counter.
  - id: dusk
    remix: mug
    prompt: The same at dusk.
`;
}
