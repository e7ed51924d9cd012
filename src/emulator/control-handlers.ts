import { createHmac } from 'node:crypto';
import type { EmulatorContext } from './context.js';
import { ApiError, invalidRequest } from './errors.js';
import { parseFaultOptions } from './faults.js';
import type { ParsedBody } from './request-body.js';
import { jsonReply, type Reply } from './reply.js';

/**
 * `/_emulator/*`: the in-process controls over HTTP, for tests that run the emulator in
 * another process (a CLI killed with SIGKILL mid-run, then restarted).
 */
export const controlHandlers = {
  stats: async (ctx: EmulatorContext): Promise<Reply> => jsonReply(200, ctx.stats.snapshot(ctx.store.all(), ctx.now(), ctx.media.encodeMs)),

  clock: async (ctx: EmulatorContext, body: ParsedBody): Promise<Reply> => {
    const seconds = body.fields.advance_seconds;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw invalidRequest('Expected {"advance_seconds": N} with N a number >= 0.', 'advance_seconds', 'invalid_value');
    }
    ctx.advanceClock(seconds);
    return jsonReply(200, { now_ms: ctx.now() });
  },

  /**
   * Proves this emulator was started by the shotlist process whose owner record holds the token
   * it was given: HMAC-SHA256(token, "shotlist-emulator-identity:" + challenge). A process about
   * to use the project's embedded emulator asks before sending it anything. Without a token
   * (a standalone `shotlist emulator`) there is nothing to prove: 404.
   */
  identity: async (ctx: EmulatorContext, query: URLSearchParams): Promise<Reply> => {
    const token = ctx.settings.identityToken;
    const challenge = query.get('challenge') ?? '';
    if (token === null) throw new ApiError(404, 'This emulator has no identity to prove.', 'invalid_request_error');
    if (!/^[0-9a-f]{16,128}$/.test(challenge)) throw invalidRequest('Expected ?challenge= with 16 to 128 hex digits.', 'challenge', 'invalid_value');
    return jsonReply(200, { proof: createHmac('sha256', token).update(`shotlist-emulator-identity:${challenge}`).digest('hex') });
  },

  faults: async (ctx: EmulatorContext, body: ParsedBody | null): Promise<Reply> => {
    if (body !== null) ctx.faults.replace(parseFaultOptions(body.fields));
    return jsonReply(200, ctx.faults.current());
  },
} as const;
