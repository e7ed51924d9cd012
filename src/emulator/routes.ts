import type { RouteClass } from './faults.js';

export type VideoRouteName = 'create' | 'list' | 'retrieve' | 'delete' | 'content' | 'remix' | 'edit' | 'extension' | 'createCharacter' | 'getCharacter';
export type RouteName = VideoRouteName | 'models' | 'stats' | 'clock' | 'faults' | 'identity';

export interface RouteMatch {
  name: RouteName;
  /** The decoded path parameter (`{video_id}`, `{character_id}`), when the route has one. */
  videoId: string | null;
  /** `METHOD /path/{id}` with the id elided: the key of `requestsByRoute`. */
  label: string;
  /** Which fault streams apply; null for `models` and the emulator's own control routes. */
  faultClass: RouteClass | null;
}

/** The contract's routes; the 2026 ones (edits, extensions, characters) only on flavors that serve them (server.ts). */
const VIDEO_ROUTES: ReadonlyArray<{ method: string; pattern: RegExp; name: VideoRouteName; faultClass: RouteClass; label: string }> = [
  { method: 'POST', pattern: /^\/v1\/videos$/, name: 'create', faultClass: 'create', label: 'POST /v1/videos' },
  { method: 'GET', pattern: /^\/v1\/videos$/, name: 'list', faultClass: 'list', label: 'GET /v1/videos' },
  { method: 'POST', pattern: /^\/v1\/videos\/edits$/, name: 'edit', faultClass: 'edit', label: 'POST /v1/videos/edits' },
  { method: 'POST', pattern: /^\/v1\/videos\/extensions$/, name: 'extension', faultClass: 'extension', label: 'POST /v1/videos/extensions' },
  { method: 'POST', pattern: /^\/v1\/videos\/characters$/, name: 'createCharacter', faultClass: 'character', label: 'POST /v1/videos/characters' },
  { method: 'GET', pattern: /^\/v1\/videos\/characters\/([^/]+)$/, name: 'getCharacter', faultClass: 'character', label: 'GET /v1/videos/characters/{id}' },
  { method: 'GET', pattern: /^\/v1\/videos\/([^/]+)$/, name: 'retrieve', faultClass: 'retrieve', label: 'GET /v1/videos/{id}' },
  { method: 'DELETE', pattern: /^\/v1\/videos\/([^/]+)$/, name: 'delete', faultClass: 'delete', label: 'DELETE /v1/videos/{id}' },
  { method: 'GET', pattern: /^\/v1\/videos\/([^/]+)\/content$/, name: 'content', faultClass: 'content', label: 'GET /v1/videos/{id}/content' },
  { method: 'POST', pattern: /^\/v1\/videos\/([^/]+)\/remix$/, name: 'remix', faultClass: 'remix', label: 'POST /v1/videos/{id}/remix' },
];

/** Routes outside `/v1/videos`: the models list (some flavors only), then the emulator's own controls. */
const OTHER_ROUTES: ReadonlyArray<{ method: string; path: string; name: RouteName }> = [
  { method: 'GET', path: '/v1/models', name: 'models' },
  { method: 'GET', path: '/_emulator/stats', name: 'stats' },
  { method: 'POST', path: '/_emulator/clock', name: 'clock' },
  { method: 'GET', path: '/_emulator/faults', name: 'faults' },
  { method: 'POST', path: '/_emulator/faults', name: 'faults' },
  { method: 'GET', path: '/_emulator/identity', name: 'identity' },
];

/** A route of the `/v1/videos` contract (not the models list, not the emulator's controls). */
export function isVideoRoute(route: RouteMatch): route is RouteMatch & { name: VideoRouteName; faultClass: RouteClass } {
  return VIDEO_ROUTES.some((each) => each.name === route.name);
}

export function matchRoute(method: string, pathname: string): RouteMatch | null {
  for (const route of VIDEO_ROUTES) {
    const match = route.method === method ? route.pattern.exec(pathname) : null;
    if (!match) continue;
    const videoId = match[1] === undefined ? null : safeDecode(match[1]);
    if (match[1] !== undefined && videoId === null) return null;
    return { name: route.name, videoId, label: route.label, faultClass: route.faultClass };
  }
  const other = OTHER_ROUTES.find((route) => route.method === method && route.path === pathname);
  return other ? { name: other.name, videoId: null, label: `${method} ${pathname}`, faultClass: null } : null;
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
