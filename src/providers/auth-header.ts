import type { AuthStyle } from './profile.js';

/**
 * The header a key travels in, per the profile's `auth.style` (each protocol's reference §
 * "auth"): `Authorization: Bearer` (OpenAI, vLLM-Omni, LiteLLM, Replicate), Azure's `api-key`,
 * Google's `x-goog-api-key` (Gemini API; the `?key=` query form is never used, so a key never
 * lands in a URL that could be logged), fal's `Authorization: Key`. Pure.
 */
export function authHeaderOf(style: AuthStyle, key: string | null): Readonly<Record<string, string>> {
  if (key === null || key === '') return {};
  switch (style) {
    case 'none':
      return {};
    case 'api-key':
      return { 'api-key': key };
    case 'x-goog-api-key':
      return { 'x-goog-api-key': key };
    case 'authorization-key':
      return { authorization: `Key ${key}` };
    case 'bearer':
      return { authorization: `Bearer ${key}` };
  }
}
