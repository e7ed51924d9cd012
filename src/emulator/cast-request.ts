import { invalidRequest, invalidType, missingParameter, unknownParameter } from './errors.js';
import type { CharacterRecord } from './character-store.js';

/** "Up to two characters per generation" (reference §3.3). */
export const MAX_CHARACTERS = 2;

/** The characters a create names, by id, and the field they came in (for messages). */
export interface CastRequest {
  ids: string[];
  param: 'characters' | 'character_ids';
}

/**
 * The characters a create casts, by id, as the guide writes them (`characters: [{id}]`, in a
 * form `characters[][id]=…`) or as the Node SDK did for four days in January 2026
 * (`character_ids: [...]`); null when neither is sent or the list is empty. Checks the shape
 * only: whether the ids exist is the store's to say (`resolveCast`).
 */
export function validateCast(fields: Readonly<Record<string, unknown>>): CastRequest | null {
  const { characters, character_ids: characterIds } = fields;
  if (characters !== undefined && characterIds !== undefined) {
    throw invalidRequest("Provide either 'characters' or 'character_ids', not both.", 'character_ids', 'invalid_value');
  }
  if (characters !== undefined)
    return castOf(
      'characters',
      listOf('characters', characters).map((item, i) => characterId(item, i)),
    );
  if (characterIds !== undefined) {
    return castOf(
      'character_ids',
      listOf('character_ids', characterIds).map((id, i) => {
        if (typeof id !== 'string') throw invalidType(`character_ids[${i}]`, 'a string', id);
        return id;
      }),
    );
  }
  return null;
}

/**
 * The cast's records, in order. An unknown id is refused as an unknown file id is (a 400 naming
 * it); so is a prompt that does not name a character: the guide says the id alone is not enough,
 * and the emulator refuses before anything is paid rather than render a clip without them.
 */
export function resolveCast({ ids, param }: CastRequest, prompt: string, find: (id: string) => CharacterRecord | undefined): CharacterRecord[] {
  const cast = ids.map((id, i) => {
    const character = find(id);
    if (!character)
      throw invalidRequest(`Character with id '${id}' not found.`, param === 'characters' ? `characters[${i}].id` : `character_ids[${i}]`, 'invalid_value');
    return character;
  });
  for (const character of cast) {
    if (!prompt.includes(character.name)) {
      throw invalidRequest(
        `Invalid 'prompt': it does not mention the character '${character.name}' (${character.id}). Use each character's name verbatim in the prompt.`,
        'prompt',
        'invalid_value',
      );
    }
  }
  return cast;
}

function listOf(param: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw invalidType(param, 'an array', value);
  return value;
}

function characterId(item: unknown, index: number): string {
  const param = `characters[${index}]`;
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidType(param, 'an object', item);
  const unknown = Object.keys(item).find((key) => key !== 'id');
  if (unknown !== undefined) throw unknownParameter(`${param}.${unknown}`);
  const { id } = item as { id?: unknown };
  if (id === undefined) throw missingParameter(`${param}.id`);
  if (typeof id !== 'string') throw invalidType(`${param}.id`, 'a string', id);
  return id;
}

function castOf(param: CastRequest['param'], ids: string[]): CastRequest | null {
  if (ids.length > MAX_CHARACTERS) {
    throw invalidRequest(
      `Invalid '${param}': array too long. Expected an array with maximum length ${MAX_CHARACTERS}, but got an array with length ${ids.length} instead.`,
      param,
      'array_above_max_length',
    );
  }
  return ids.length === 0 ? null : { ids, param };
}
