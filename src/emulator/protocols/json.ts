import { createHash } from 'node:crypto';
import { readImageInfo, type ImageInfo } from '../image-info.js';

export type JsonObject = Record<string, unknown>;

/** The body as a JSON object, or null when it is not JSON or not an object. */
export function parseJsonObject(bytes: Buffer): JsonObject | null {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An image the emulator received as bytes (base64 or a data: URL): what it is, and its sha256. */
export interface ReceivedImage {
  readonly info: ImageInfo;
  readonly sha256: string;
  readonly bytes: Uint8Array;
}

/** Strict base64 (standard alphabet, padding optional); null for anything else or an unreadable image. */
export function imageFromBase64(text: string): ReceivedImage | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length === 0) return null;
  return imageFromBytes(new Uint8Array(Buffer.from(text, 'base64')));
}

/** `data:image/png;base64,...`; null when it is not a base64 data URL of a JPEG, PNG or WebP. */
export function imageFromDataUrl(url: string): ReceivedImage | null {
  const match = /^data:([^;,]*);base64,(.*)$/s.exec(url);
  return match ? imageFromBase64(match[2] ?? '') : null;
}

export function imageFromBytes(bytes: Uint8Array): ReceivedImage | null {
  const info = readImageInfo(bytes);
  return info ? { info, sha256: createHash('sha256').update(bytes).digest('hex'), bytes } : null;
}

/** Seconds since the epoch as ISO 8601 with microseconds, as Replicate and fal write times. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
