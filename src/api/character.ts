import { redact } from '../untrusted/redactor.js';

/**
 * A character (reference §7): what `POST /videos/characters` and `GET /videos/characters/{id}`
 * answer, `{id, name, created_at}`, no `object`, no status. Its id comes from a server or a
 * lockfile (both untrusted), goes into URL paths and request bodies, so it is checked for a form
 * like a video id's: `char_…` on OpenAI and the emulator, `character_` + base64 behind LiteLLM.
 */
export interface Character {
  readonly id: string;
  /** Server text: the name as the server keeps it, redacted. `null` when it says none. */
  readonly name: string | null;
  /** Unix seconds; `null` when absent. */
  readonly createdAt: number | null;
}

const CHARACTER_ID = /^(?:char_[A-Za-z0-9_-]{1,250}|character_[A-Za-z0-9+/]{1,500}={0,2})$/;

/** Whether `id` has the form of a character id. */
export function isCharacterId(id: string): boolean {
  return CHARACTER_ID.test(id);
}

export const CHARACTER_ID_FORM = 'char_ followed by letters, digits, _ or -, or character_ followed by base64';

/** The character in a server's JSON, or a description of what is wrong with it. */
export function parseCharacter(json: unknown): Character | string {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'expected a character object';
  const { id, name, created_at: createdAt } = json as { id?: unknown; name?: unknown; created_at?: unknown };
  if (typeof id !== 'string' || !isCharacterId(id)) return `expected a character id (${CHARACTER_ID_FORM})`;
  if (name !== undefined && name !== null && typeof name !== 'string') return 'expected "name" to be a string';
  const at = typeof createdAt === 'number' && Number.isSafeInteger(createdAt) && createdAt >= 0 ? createdAt : null;
  return { id, name: typeof name === 'string' ? redact(name) : null, createdAt: at };
}
