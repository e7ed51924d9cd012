import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Agent } from 'undici';
import { classifyError } from '../api/error-kind.js';
import { readBody } from '../api/openai-videos/response.js';
import { resolveEndpoint } from '../api/endpoint.js';
import { sendRequest } from '../api/transport.js';

/**
 * Asks a local emulator to prove it is the one a project's owner record describes: a fresh
 * random challenge goes out, and only HMAC-SHA256(token, "shotlist-emulator-identity:" +
 * challenge) (the emulator's `/_emulator/identity`, emulator/control-handlers.ts) is accepted
 * back. Nothing else is sent: no credentials, no prompt. A server that cannot answer it (a
 * program that took the port, a server a planted record points at) is `foreign`.
 */

/** `proven`; `refused`: nothing listens (stopping); `silent`: it accepted but did not answer in time (suspended?); `foreign`: it answered without the proof. */
export type IdentityAnswer = 'proven' | 'refused' | 'silent' | 'foreign';

export async function proveEmulator(
  baseUrl: string,
  token: string,
  options: { readonly signal: AbortSignal; readonly timeoutMs: number },
): Promise<IdentityAnswer> {
  const endpoint = resolveEndpoint(baseUrl, false);
  const challenge = randomBytes(32).toString('hex');
  const url = new URL(`${endpoint.origin}/_emulator/identity`);
  url.searchParams.set('challenge', challenge);
  const dispatcher = new Agent({ connect: { timeout: options.timeoutMs } });
  try {
    const ex = await sendRequest(
      { endpoint, dispatcher, authHeaders: {}, userAgent: 'shotlist', timeoutMs: options.timeoutMs, maxRedirects: 0 },
      { method: 'GET', url, headers: { accept: 'application/json' } },
      options.signal,
    );
    const body = await readBody(ex);
    const proof = (body.json as { proof?: unknown } | undefined)?.proof;
    if (ex.status !== 200 || typeof proof !== 'string' || !/^[0-9a-f]{64}$/.test(proof)) return 'foreign';
    const expected = createHmac('sha256', token).update(`shotlist-emulator-identity:${challenge}`).digest();
    return timingSafeEqual(Buffer.from(proof, 'hex'), expected) ? 'proven' : 'foreign';
  } catch (error) {
    if (options.signal.aborted) throw error;
    const kind = classifyError(error);
    if (kind === 'not-sent') return 'refused';
    if (kind === 'lost') return 'silent';
    // Garbage that is not HTTP, a body too large: not the emulator.
    return 'foreign';
  } finally {
    await dispatcher.close();
  }
}
