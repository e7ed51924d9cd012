import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import { controlHandlers } from './control-handlers.js';
import { ApiError, invalidUrl } from './errors.js';
import { errorBody, type Flavor } from './flavor.js';
import { newRequestId } from './ids.js';
import { parseBody, readBody, type ParsedBody } from './request-body.js';
import { jsonReply, writeReply, type DeliveryPlan, type Reply } from './reply.js';
import { handleProtocol } from './protocols/handle.js';
import { protocolOf } from './protocols/registry.js';
import { isVideoRoute, matchRoute, type RouteMatch } from './routes.js';
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
  const { flavor } = ctx.settings;
  const protocol = protocolOf(flavor.protocol);
  if (protocol !== null && !url.pathname.startsWith('/_emulator/')) return handleProtocol(ctx, protocol, request, response, url, signal);
  const pathname = contractPath(flavor, url.pathname);
  const route = routeOf(flavor, matchRoute(method, pathname));
  ctx.stats.countRequest(route?.label ?? 'unmatched');
  let reply: Reply;
  try {
    reply = await dispatch(ctx, request, route, url, method);
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError(500, `Internal emulator error: ${(error as Error).message}`, 'server_error');
    reply = jsonReply(apiError.status, errorBody(flavor, apiError), apiError.headers);
  }
  const requestId = newRequestId(ctx.random);
  const headers: Record<string, string> =
    flavor.name === 'azure' ? { 'x-request-id': requestId, 'apim-request-id': requestId.slice(4) } : { 'x-request-id': requestId };
  await writeReply(response, reply, headers, deliveryPlan(ctx, route, reply), signal);
}

/**
 * The request's path as the contract writes it (`/v1/videos...`): Azure serves under
 * `/openai/v1`, and a path outside the flavor's prefix matches nothing.
 */
function contractPath(flavor: Flavor, pathname: string): string {
  if (flavor.prefix === '/v1' || pathname.startsWith('/_emulator/')) return pathname;
  return pathname.startsWith(`${flavor.prefix}/`) ? `/v1${pathname.slice(flavor.prefix.length)}` : `/unmatched${pathname}`;
}

/** Routes the flavor's server does not have are unmatched (a 404), as on the real one. */
function routeOf(flavor: Flavor, route: RouteMatch | null): RouteMatch | null {
  switch (route?.name) {
    case 'remix':
      return flavor.remix ? route : null;
    case 'edit':
      return flavor.edits ? route : null;
    case 'extension':
      return flavor.extensions ? route : null;
    case 'createCharacter':
    case 'getCharacter':
      return flavor.characters ? route : null;
    case 'models':
      return flavor.modelsRoute ? route : null;
    default:
      return route;
  }
}

/** `GET /v1/models`, as vLLM-Omni and LiteLLM answer it. */
function modelsReply(ctx: EmulatorContext): Reply {
  const { flavor, flavorSettings } = ctx.settings;
  const ids = flavor.name === 'vllm-omni' ? [flavorSettings.servedModel] : [...new Set(ctx.store.all().map((job) => job.model))];
  const created = Math.floor(ctx.now() / 1000);
  return jsonReply(200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', created, owned_by: flavor.name })) });
}

async function dispatch(ctx: EmulatorContext, request: IncomingMessage, route: RouteMatch | null, url: URL, method: string): Promise<Reply> {
  if (!route) {
    if (ctx.settings.flavor.name === 'azure') throw new ApiError(404, 'Resource not found', 'invalid_request_error', null, '404');
    // vLLM's handler turns Starlette's unmatched-route HTTPException into its envelope, detail as the message.
    if (ctx.settings.flavor.errors === 'vllm-omni') throw new ApiError(404, 'Not Found', 'invalid_request_error');
    throw invalidUrl(method, url.pathname);
  }
  if (route.name === 'models') {
    checkAuth(ctx, request.headers);
    return modelsReply(ctx);
  }
  let body: Promise<ParsedBody> | null = null;
  const readParsedBody = (): Promise<ParsedBody> => (body ??= readBody(request).then((bytes) => parseBody(request.headers['content-type'], bytes)));
  if (!isVideoRoute(route)) {
    if (route.name === 'stats') return controlHandlers.stats(ctx);
    if (route.name === 'clock') return controlHandlers.clock(ctx, await readParsedBody());
    if (route.name === 'identity') return controlHandlers.identity(ctx, url.searchParams);
    return controlHandlers.faults(ctx, method === 'POST' ? await readParsedBody() : null);
  }
  checkAuth(ctx, request.headers);
  if (route.name === 'delete' && ctx.settings.flavor.delete === 'none') return jsonReply(405, { detail: 'Method Not Allowed' });
  return videoHandlers[route.name](ctx, { videoId: route.videoId, query: url.searchParams, headers: request.headers, readBody: readParsedBody });
}

/**
 * Never echoes the key it got: credentials must not show up in anyone's logs. A bearer works on
 * every flavor; Azure also takes `api-key`, LiteLLM `x-litellm-api-key`.
 */
function checkAuth(ctx: EmulatorContext, headers: IncomingMessage['headers']): void {
  const { apiKey, flavor } = ctx.settings;
  if (apiKey === null) return;
  const alternative = flavor.keyHeader === null ? undefined : headers[flavor.keyHeader];
  if (typeof alternative === 'string' && alternative !== '') {
    if (alternative.replace(/^Bearer /, '').trim() !== apiKey)
      throw new ApiError(401, 'Access denied due to invalid subscription key or wrong API endpoint.', 'invalid_request_error', null, '401');
    return;
  }
  const header = headers.authorization;
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
