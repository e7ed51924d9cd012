import { randomBytes } from 'node:crypto';

/** Source of random bytes; injectable so tests can make ids predictable. */
export type RandomBytes = (size: number) => Uint8Array;

export const cryptoRandomBytes: RandomBytes = (size) => randomBytes(size);

/** `video_` + 48 lowercase hex digits, as in OpenAI's examples. */
export function newVideoId(random: RandomBytes): string {
  return `video_${hex(random(24))}`;
}

/** `req_` + 32 hex digits, for the `x-request-id` header. */
export function newRequestId(random: RandomBytes): string {
  return `req_${hex(random(16))}`;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
