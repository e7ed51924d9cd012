import canonicalize from 'canonicalize';
import { InternalError, UserError } from '../errors.js';

/**
 * The JSON Canonicalization Scheme (RFC 8785) text of a value: keys sorted by UTF-16 code
 * units at every depth, numbers as ECMAScript writes them, no whitespace. Fingerprints hash
 * this text, so two machines (and two versions of shotlist) agree on them. For the values
 * fingerprints are made of (strings, finite numbers, null, plain objects and arrays) it is the
 * same text the hand-written writer produced before; `test/fixtures/known-fingerprints.json`
 * holds the proof.
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (error) {
    // RFC 8785 has no form for text that is not Unicode (a lone surrogate, as a YAML escape
    // `"\ud800"` can write): no fingerprint can name it, and no server could read it.
    if (error instanceof Error && /surrogate/i.test(error.message)) {
      throw new UserError(
        'ill-formed-text',
        'a request holds text that is not valid Unicode (a lone surrogate, such as an escape "\\ud800"), which cannot be fingerprinted or sent',
        {
          cause: error,
          hint: 'write the character whole (both halves of a surrogate pair), or remove the escape',
        },
      );
    }
    throw new InternalError(`cannot write canonical JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (text === undefined) throw new InternalError('cannot write canonical JSON of undefined');
  return text;
}
