/**
 * The job APIs shotlist speaks (SPEC §10), one name per protocol. A profile names one; the api
 * layer has one client per name, and mapping/ turns a job into each one's request.
 */
export const PROTOCOLS = ['openai-videos', 'gemini', 'fal', 'replicate'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];
