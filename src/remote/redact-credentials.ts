/**
 * Storage credentials never reach a message, an event, a claim or a log. Every text that comes
 * from the storage service or its SDK passes through a `Redactor` before shotlist keeps it:
 * the known secrets are cut out wherever they occur, and the shapes that carry credentials
 * (AWS key ids, signed query strings, `Authorization` values, URL userinfo) are masked even when
 * the secret is not one shotlist was told about.
 */

export type Redactor = (text: string) => string;

/** The environment variables whose values are storage credentials. */
export const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN'] as const;

const MASK = '***';

/** Shapes that carry a credential whoever's it is. */
const PATTERNS: readonly [RegExp, string][] = [
  // Long-term (AKIA) and temporary (ASIA) access key ids, and the other AWS id prefixes of that form.
  [/\b(?:AKIA|ASIA|AROA|AIDA|ANPA|AGPA)[A-Z0-9]{12,}\b/g, MASK],
  // SigV4 pieces in headers and presigned URLs.
  [/(X-Amz-(?:Credential|Signature|Security-Token)=)[^&\s"'<]+/gi, `$1${MASK}`],
  [/(Credential=)[^,&\s"'<]+/g, `$1${MASK}`],
  [/(Signature=)[0-9a-f]{16,}/gi, `$1${MASK}`],
  [/(Authorization:?\s*)(?:AWS4-HMAC-SHA256|Bearer|Basic|AWS)\s+[^\n"'<]+/gi, `$1${MASK}`],
  // user:password@ in any URL.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@"'<]+@/gi, `$1${MASK}@`],
];

/**
 * A redactor for `secrets` (values shorter than 4 characters are ignored: cutting every `a`
 * out of a message protects nothing) and the credential variables of `env`.
 */
export function createRedactor(secrets: readonly (string | undefined)[] = [], env: NodeJS.ProcessEnv = process.env): Redactor {
  const known = [...secrets, ...CREDENTIAL_VARIABLES.map((name) => env[name])]
    .filter((value): value is string => typeof value === 'string' && value.length >= 4)
    // Longest first, so a secret that contains another is cut whole.
    .sort((a, b) => b.length - a.length);
  const unique = [...new Set(known)];
  return (text) => {
    let out = text;
    for (const secret of unique) out = out.split(secret).join(MASK);
    // A secret may also travel URL-encoded (a session token holds `/`, `+`, `=`).
    for (const secret of unique) {
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) out = out.split(encoded).join(MASK);
    }
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
}
