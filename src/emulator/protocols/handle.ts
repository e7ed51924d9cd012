import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from '../context.js';
import { ApiError, serverError } from '../errors.js';
import { readBody } from '../request-body.js';
import { jsonReply, writeReply, type DeliveryPlan, type Reply } from '../reply.js';
import { ProtocolError, type MatchedRoute, type Protocol } from './protocol.js';

/**
 * One request to a vendor protocol's flavor: counted by route, authenticated, faulted (an
 * injected 5xx before any effect; slow and truncated bodies on the way out) and answered in
 * the vendor's envelope.
 */
export async function handleProtocol(
  ctx: EmulatorContext,
  protocol: Protocol,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  signal: AbortSignal,
): Promise<void> {
  const method = request.method ?? 'GET';
  const matched = protocol.match(method, url.pathname);
  ctx.stats.countRequest(matched?.route.label ?? 'unmatched');
  let reply: Reply;
  try {
    reply = await dispatch(ctx, protocol, matched, request, url, signal);
  } catch (error) {
    const shaped =
      error instanceof ProtocolError
        ? error
        : protocol.fromApiError(error instanceof ApiError ? error : new ApiError(500, `Internal emulator error: ${(error as Error).message}`, 'server_error'));
    reply = jsonReply(shaped.status, shaped.body, shaped.headers);
  }
  await writeReply(response, reply, {}, deliveryPlan(ctx, matched, reply), signal);
}

async function dispatch(
  ctx: EmulatorContext,
  protocol: Protocol,
  matched: MatchedRoute | null,
  request: IncomingMessage,
  url: URL,
  signal: AbortSignal,
): Promise<Reply> {
  const method = request.method ?? 'GET';
  if (matched === null) throw protocol.unmatched(method, url.pathname);
  const { route, params } = matched;
  let body: Promise<Buffer> | null = null;
  const protocolRequest = { method, url, headers: request.headers, params, signal, readBody: () => (body ??= readBody(request)) };
  if (route.auth) protocol.checkAuth(ctx, protocolRequest);
  const status = ctx.faults.serverError(route.faultClass);
  if (status !== null) throw serverError(status);
  return route.handle(ctx, protocolRequest);
}

const NO_FAULTS: DeliveryPlan = { slow: null, truncate: null };

/** Slow bodies on every route of the protocol; truncation only of a file (a media download). */
function deliveryPlan(ctx: EmulatorContext, matched: MatchedRoute | null, reply: Reply): DeliveryPlan {
  if (matched === null || reply.kind === 'drop') return NO_FAULTS;
  return { slow: ctx.faults.slowBody(matched.route.faultClass), truncate: reply.kind === 'file' ? ctx.faults.truncateContent() : null };
}
