import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import { controlHandlers } from './control-handlers.js';
import { ApiError, invalidUrl } from './errors.js';
import { newRequestId } from './ids.js';
import { parseBody, readBody, type ParsedBody } from './request-body.js';
import { errorReply, writeReply, type DeliveryPlan, type Reply } from './reply.js';
import { matchRoute, type RouteMatch } from './routes.js';
import { videoHandlers } from './video-handlers.js';

const NO_FAULTS: DeliveryPlan = { slow: null, truncate: null };

/** The HTTP edge: one request in, one reply (or a fault) out. `signal` aborts pending delays on close. */
export function createEmulatorServer(ctx: EmulatorContext, signal: AbortSignal): Server {
  return createServer((request, response) => {
    handle(ctx, request, response, signal).catch(() => {
      // The client left or the server is closing; there is nobody left to tell.
      response.socket?.destroy();
    });
  });
}

async function handle(ctx: EmulatorContext, request: IncomingMessage, response: ServerResponse, signal: AbortSignal): Promise<void> {
  const method = request.method ?? 'GET';
  const url = new URL(request.url ?? '/', 'http://emulator.invalid');
  const route = matchRoute(method, url.pathname);
  ctx.stats.countRequest(route?.label ?? 'unmatched');
  let reply: Reply;
  try {
    reply = await dispatch(ctx, request, route, url, method);
  } catch (error) {
    reply = errorReply(error instanceof ApiError ? error : new ApiError(500, `Internal emulator error: ${(error as Error).message}`, 'server_error'));
  }
  const headers = { 'x-request-id': newRequestId(ctx.random) };
  await writeReply(response, reply, headers, deliveryPlan(ctx, route, reply), signal);
}

async function dispatch(ctx: EmulatorContext, request: IncomingMessage, route: RouteMatch | null, url: URL, method: string): Promise<Reply> {
  if (!route) throw invalidUrl(method, url.pathname);
  let body: Promise<ParsedBody> | null = null;
  const readParsedBody = (): Promise<ParsedBody> => (body ??= readBody(request).then((bytes) => parseBody(request.headers['content-type'], bytes)));
  if (route.faultClass === null) {
    if (route.name === 'stats') return controlHandlers.stats(ctx);
    if (route.name === 'clock') return controlHandlers.clock(ctx, await readParsedBody());
    return controlHandlers.faults(ctx, method === 'POST' ? await readParsedBody() : null);
  }
  checkAuth(ctx.settings.apiKey, request.headers.authorization);
  return videoHandlers[route.faultClass](ctx, { videoId: route.videoId, query: url.searchParams, readBody: readParsedBody });
}

/** Never echoes the key it got: credentials must not show up in anyone's logs. */
function checkAuth(apiKey: string | null, header: string | undefined): void {
  if (apiKey === null) return;
  if (!header?.startsWith('Bearer ')) {
    throw new ApiError(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      'invalid_request_error',
    );
  }
  if (header.slice('Bearer '.length).trim() !== apiKey) {
    throw new ApiError(401, 'Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key');
  }
}

/** Slow and truncated bodies apply to the contract's routes only, and truncation to successful downloads. */
function deliveryPlan(ctx: EmulatorContext, route: RouteMatch | null, reply: Reply): DeliveryPlan {
  if (!route?.faultClass || reply.kind === 'drop') return NO_FAULTS;
  return {
    slow: ctx.faults.slowBody(route.faultClass),
    truncate: reply.kind === 'file' ? ctx.faults.truncateContent() : null,
  };
}
