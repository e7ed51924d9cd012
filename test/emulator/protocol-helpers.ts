import type { RunningEmulator } from '../../src/emulator/index.js';
import { waitUntil } from '../helpers/wait-until.js';

/** A response read whole: JSON when it parses, the text otherwise, and the raw bytes. */
export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  bytes: Buffer;
}

export async function http<T = any>(url: string, init: RequestInit = {}): Promise<HttpResult<T>> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const bytes = Buffer.from(await response.arrayBuffer());
  let body: any = bytes.toString('utf8');
  try {
    body = JSON.parse(body);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body, bytes };
}

export function jsonInit(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

/** Calls `read` until `done` says so; real time, bounded. */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  let last: T | undefined;
  await waitUntil(
    async () => done((last = await read())),
    () => `a polled value to be done; last: ${JSON.stringify(last)?.slice(0, 500)}`,
    timeoutMs,
    20,
  );
  return last as T;
}

export function originOf(emu: RunningEmulator): string {
  return new URL(emu.url).origin;
}

/** Posts fault options over HTTP, as an out-of-process test would. */
export async function setFaults(emu: RunningEmulator, faults: unknown): Promise<void> {
  const result = await http(`${originOf(emu)}/_emulator/faults`, jsonInit('POST', faults));
  if (result.status !== 200) throw new Error(`faults refused: ${JSON.stringify(result.body)}`);
}

/** A prompt matching this is accepted and then refused by moderation: validation tests create jobs without rendering them. */
export const NO_RENDER = { moderation: { failPattern: '^no-render' } };
