import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, toEnvelope } from './errors.js';
import type { SlowPlan } from './faults.js';

/** What a handler decided to send, as data; the server writes it (and any fault) in one place. */
export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Readonly<Record<string, string>> }
  | { kind: 'file'; path: string; size: number; contentType: string }
  /** Destroy the socket without a response: a connection reset as the client sees it. */
  | { kind: 'drop' };

export function jsonReply(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Reply {
  return { kind: 'json', status, body, headers };
}

export function errorReply(error: ApiError): Reply {
  return jsonReply(error.status, toEnvelope(error), error.headers);
}

/** Faults that shape how the bytes go out. */
export interface DeliveryPlan {
  slow: SlowPlan | null;
  /** Fraction of a file body to send before resetting the connection, or null. */
  truncate: number | null;
}

/** Writes a reply, honouring the delivery plan. Aborting `signal` (server close) ends it early. */
export async function writeReply(
  response: ServerResponse,
  reply: Reply,
  baseHeaders: Readonly<Record<string, string>>,
  plan: DeliveryPlan,
  signal: AbortSignal,
): Promise<void> {
  if (reply.kind === 'drop') {
    response.socket?.destroy();
    return;
  }
  if (plan.slow?.phase === 'before') await sleep(plan.slow.delayMs, undefined, { signal });
  if (reply.kind === 'json') {
    const body = Buffer.from(JSON.stringify(reply.body));
    response.writeHead(reply.status, {
      ...baseHeaders,
      ...reply.headers,
      'content-type': 'application/json',
      'content-length': String(body.length),
    });
    await writeInParts(response, body, plan, signal);
    return;
  }
  response.writeHead(200, { ...baseHeaders, 'content-type': reply.contentType, 'content-length': String(reply.size) });
  await writeFileBody(response, reply, plan, signal);
}

async function writeFileBody(response: ServerResponse, reply: Extract<Reply, { kind: 'file' }>, plan: DeliveryPlan, signal: AbortSignal): Promise<void> {
  const sendBytes = plan.truncate === null ? reply.size : Math.floor(reply.size * plan.truncate);
  const half = Math.floor(sendBytes / 2);
  const ranges: Array<[number, number]> =
    plan.slow?.phase === 'during'
      ? [
          [0, half],
          [half, sendBytes],
        ]
      : [[0, sendBytes]];
  for (const [index, [start, end]] of ranges.entries()) {
    if (index > 0 && plan.slow) await sleep(plan.slow.delayMs, undefined, { signal });
    if (end > start) {
      await pipeline(createReadStream(reply.path, { start, end: end - 1 }), response, { end: false, signal });
    }
  }
  if (plan.truncate !== null) {
    // Content-Length promised every byte; resetting now is what a broken transfer looks like.
    response.socket?.destroy();
    return;
  }
  response.end();
}

/** A JSON body, in one write, or in two halves with a stall between them. */
async function writeInParts(response: ServerResponse, body: Buffer, plan: DeliveryPlan, signal: AbortSignal): Promise<void> {
  if (plan.slow?.phase !== 'during') return void response.end(body);
  const half = Math.floor(body.length / 2);
  response.write(body.subarray(0, half));
  await sleep(plan.slow.delayMs, undefined, { signal });
  response.end(body.subarray(half));
}
