/**
 * The job APIs shotlist speaks (SPEC §10), one name per protocol. A profile names one; the api
 * layer has one client per name, and mapping/ turns a job into each one's request.
 */
export const PROTOCOLS = ['openai-videos', 'gemini', 'fal', 'replicate'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];

/**
 * Whether a create whose answer was lost can be looked for on the server: `/v1/videos` servers
 * and Replicate list what was created (replicate.md §10); the Gemini API lists no operations
 * (gemini-veo.md §10) and fal's listing may hold only finished requests (fal-queue.md §11), so
 * there a miss proves nothing, and only the user may say to create again (`--retry-ambiguous`).
 */
export function findsLostCreates(profile: { readonly protocol: ProtocolName; readonly features: { readonly list: boolean } }): boolean {
  return profile.features.list && (profile.protocol === 'openai-videos' || profile.protocol === 'replicate');
}
