import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import { InsecureHttpError } from './errors.js';
import { maskCredentials } from '../untrusted/looks-like-credential.js';

/**
 * The configured server: where requests go, and the one origin that may receive credentials.
 */
export interface Endpoint {
  /** Base URL without a trailing slash, e.g. `https://api.openai.com/v1`. */
  readonly base: string;
  /** Only this origin ever receives the API key. */
  readonly origin: string;
  readonly allowInsecureHttp: boolean;
}

export function resolveEndpoint(baseUrl: string, allowInsecureHttp: boolean): Endpoint {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (cause) {
    // Whatever was passed for a URL may be a key pasted in the wrong place.
    throw new UsageError(`base URL ${JSON.stringify(maskCredentials(baseUrl))} is not a URL`, { cause, hint: 'e.g. https://api.openai.com/v1' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`base URL must be http:// or https://, found ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    // Credentials in a URL end up in logs; shotlist takes keys from the environment only.
    throw new UsageError('base URL must not contain credentials', { hint: 'put the key in the environment variable of the provider profile' });
  }
  if (url.search !== '' || url.hash !== '') throw new UsageError('base URL must not have a query or fragment');
  checkTransport(url, allowInsecureHttp);
  return { base: url.href.replace(/\/+$/, ''), origin: url.origin, allowInsecureHttp };
}

/** Refuses plain HTTP to anything but this machine unless the user opted in. */
export function checkTransport(url: URL, allowInsecureHttp: boolean): void {
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopback(url.hostname)) {
    throw new InsecureHttpError(url.origin);
  }
}

/**
 * Only what surely stays on this machine: a literal loopback address (127.0.0.0/8, ::1, or
 * ::ffff:127.x) or `localhost` itself. `anything.localhost` is not: the name goes to the
 * system's resolver, which may ask DNS, and a plain-http request carrying the key would then
 * cross the network.
 */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host) || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
  return false;
}

/** `/videos/{id}...` under the base, with the id percent-encoded (LiteLLM ids hold `/`, `+`, `=`). */
export function videosUrl(endpoint: Endpoint, segments: readonly string[], query?: Readonly<Record<string, string | undefined>>): URL {
  const path = ['videos', ...segments.map((s) => encodeURIComponent(s))].join('/');
  const url = new URL(`${endpoint.base}/${path}`);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  return url;
}

/** What goes into messages: path and query only, never the origin's userinfo. */
export function pathOf(url: URL): string {
  return `${url.pathname}${url.search}`;
}
