import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorContext } from '../context.js';
import type { ApiError } from '../errors.js';
import type { RouteClass } from '../faults.js';
import type { Reply } from '../reply.js';

/**
 * A vendor protocol served on the emulator's jobs: its routes, its auth and its error envelope.
 * The server counts, authenticates, injects faults and writes replies the same way for all of
 * them; only what the vendor documents differently lives in `protocols/<name>/`.
 */
export interface Protocol {
  /** The route a request is for, with its path parameters; null for a path the vendor's server does not have. */
  match(method: string, pathname: string): MatchedRoute | null;
  /** The vendor's answer to a path it does not serve. */
  unmatched(method: string, pathname: string): ProtocolError;
  /** Checks the credentials of a request, throwing the vendor's refusal. */
  checkAuth(ctx: EmulatorContext, request: ProtocolRequest): void;
  /** A shared error (429 from the limits, an injected 5xx, a body too large) in the vendor's envelope. */
  fromApiError(error: ApiError): ProtocolError;
}

export interface ProtocolRoute {
  /** `METHOD /path/{id}` with the parameters elided: the key of `requestsByRoute`. */
  label: string;
  /** Which fault streams apply: a create, a poll (retrieve), a listing, a cancel (delete), a media download (content). */
  faultClass: RouteClass;
  /** false for media URLs a vendor serves without credentials. */
  auth: boolean;
  handle(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply>;
}

export interface ProtocolRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  /** The path parameters of the route, decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The body's bytes, read once (at most 32 MiB; larger is a 413 in the vendor's envelope). */
  readBody(): Promise<Buffer>;
  /** Aborted when the emulator closes: a handler that waits (Replicate's `Prefer: wait`) stops. */
  readonly signal: AbortSignal;
}

/** An error already in the vendor's shape: the server writes it as it is. */
export class ProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`HTTP ${status}`);
    this.name = 'ProtocolError';
  }
}

/** A route table entry: a method, a pattern whose groups are the named parameters, and the route. */
export interface RouteEntry {
  method: string;
  pattern: RegExp;
  params: readonly string[];
  route: ProtocolRoute;
}

export interface MatchedRoute {
  route: ProtocolRoute;
  params: Record<string, string>;
}

/** The first entry whose method and pattern match, with its parameters decoded; null when none does or a parameter is not valid percent-encoding. */
export function matchEntry(entries: readonly RouteEntry[], method: string, pathname: string): MatchedRoute | null {
  for (const entry of entries) {
    if (entry.method !== method) continue;
    const match = entry.pattern.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    for (const [index, name] of entry.params.entries()) {
      try {
        params[name] = decodeURIComponent(match[index + 1] ?? '');
      } catch {
        return null;
      }
    }
    return { route: entry.route, params };
  }
  return null;
}

/** The value of a header sent once; a repeated header is read as its first value. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
