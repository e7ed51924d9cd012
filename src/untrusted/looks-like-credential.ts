import { redact, redacted, sameLength, type Mask } from './redactor.js';

/**
 * Whether a value a user wrote (a storyboard's `provider:`, a flag, a providers file) looks like
 * a credential, so that a message about it does not echo it into a CI log. Besides what the
 * redactor finds (keys shotlist holds, known key shapes such as `sk-…`), two shapes of keys
 * without a prefix, as data:
 * - a random token: a word (no `/` or `.`, which split paths and model names into words) of at
 *   least `minLength` characters mixing upper case, lower case and digits, with at least
 *   `minBitsPerChar` bits of entropy per character (gateways' keys). CamelCase names repeat
 *   letters and stay below the entropy bar.
 * - a hex key: at least `minHexDigits` hex digits, with only `-` and `:` between them (Azure's
 *   32-digit keys, fal's `uuid:hex`).
 * Not caught: a key of another shape that shotlist does not hold (an AWS secret key whose `/`
 * splits it into short words, say), and a key shorter than these bars.
 */
export const RANDOM_TOKEN = { minLength: 24, alphabet: /^[A-Za-z0-9+=_-]+$/, minBitsPerChar: 4 } as const;
export const HEX_KEY = { minHexDigits: 32, alphabet: /^[0-9a-fA-F:-]+$/ } as const;

/** Candidate words in free text: runs of key characters long enough to be either shape. */
const WORD = /[A-Za-z0-9+=_:-]{24,}/g;

export function looksLikeCredential(value: string): boolean {
  return maskCredentials(value) !== value;
}

/**
 * Free text (an issue's message, a code frame's line) with every credential, and every word that
 * looks like one, replaced by `mask`.
 */
export function maskCredentials(text: string, mask: Mask = redacted): string {
  return redact(text, mask).replace(WORD, (word) => (isRandomToken(word) || isHexKey(word) ? mask(word) : word));
}

export function isRandomToken(word: string): boolean {
  return (
    word.length >= RANDOM_TOKEN.minLength &&
    RANDOM_TOKEN.alphabet.test(word) &&
    /[a-z]/.test(word) &&
    /[A-Z]/.test(word) &&
    /[0-9]/.test(word) &&
    bitsPerChar(word) >= RANDOM_TOKEN.minBitsPerChar
  );
}

export function isHexKey(word: string): boolean {
  return HEX_KEY.alphabet.test(word) && word.replace(/[:-]/g, '').length >= HEX_KEY.minHexDigits;
}

/** Shannon entropy of the word's characters. */
function bitsPerChar(word: string): number {
  const counts = new Map<string, number>();
  for (const c of word) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / word.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * In a line of a storyboard or a providers file, the value of a field named like a credential is
 * one whatever it looks like (`api_key: hunter`): such a field is refused, and its value must not
 * be shown back. Stricter than `credential-field` in credential-shapes.ts, which must not mask
 * prose ("api_key: credentials never go in a storyboard").
 */
const CREDENTIAL_FIELD_IN_SOURCE = /((?:api[_-]?key|apikey|authorization|password|passwd|secret|token)["']?\s*[:=]\s*)([^,}\]\s#][^,}\]#]*)/gi;

/** A source line fit for a code frame: credentials masked to the same length, so the caret still lines up. */
export function maskSourceLine(line: string): string {
  return maskCredentials(line, sameLength).replace(CREDENTIAL_FIELD_IN_SOURCE, (_match, key: string, value: string) => `${key}${sameLength(value)}`);
}
