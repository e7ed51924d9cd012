import type { EmulatorContext } from './context.js';
import { invalidRequest } from './errors.js';
import { parseFaultOptions } from './faults.js';
import type { ParsedBody } from './request-body.js';
import { jsonReply, type Reply } from './reply.js';

/**
 * `/_emulator/*`: the in-process controls over HTTP, for tests that run the emulator in
 * another process (a CLI killed with SIGKILL mid-run, then restarted).
 */
export const controlHandlers = {
  stats: async (ctx: EmulatorContext): Promise<Reply> =>
    jsonReply(200, ctx.stats.snapshot(ctx.store.all(), ctx.now(), ctx.media.encodeMs)),

  clock: async (ctx: EmulatorContext, body: ParsedBody): Promise<Reply> => {
    const seconds = body.fields.advance_seconds;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw invalidRequest("Expected {\"advance_seconds\": N} with N a number >= 0.", 'advance_seconds', 'invalid_value');
    }
    ctx.advanceClock(seconds);
    return jsonReply(200, { now_ms: ctx.now() });
  },

  faults: async (ctx: EmulatorContext, body: ParsedBody | null): Promise<Reply> => {
    if (body !== null) ctx.faults.replace(parseFaultOptions(body.fields));
    return jsonReply(200, ctx.faults.current());
  },
} as const;
