/**
 * What a credential looks like when shotlist does not know its value: a key a server echoes
 * from its own configuration, a presigned URL, a header quoted in an error page. Each shape is
 * data: a pattern whose named group `s` is the secret part (the rest stays, as context: `Bearer
 * [redacted]`). A new shape is one entry here.
 *
 * Rules every pattern keeps, so that redacting serialized JSON leaves it valid JSON and the
 * scan stays linear on a megabyte of hostile text:
 * - the secret part never matches a quote, a backslash or whitespace;
 * - every lookahead and every run before an anchor is bounded.
 * Shapes that could match prose (a word after "Bearer", a value after "password:") require a
 * digit in the value: real keys have them, English words do not.
 */
export interface CredentialShape {
  readonly name: string;
  /** Global and with indices (`gd`); the named group `s` is what is redacted. */
  readonly pattern: RegExp;
}

export const CREDENTIAL_SHAPES: readonly CredentialShape[] = [
  // `https://user:password@host`: the whole userinfo (a lone user name is often a token), unless
  // it is already masked to its length (a code frame's `https://*****@host`).
  { name: 'url-userinfo', pattern: /\b[a-z][a-z0-9+.-]{0,31}:\/\/(?!\*+@)(?<s>[^\s/?#@"'\\<>]{1,512})@/dgi },
  // An Authorization header's value, as quoted in error pages and logs.
  { name: 'authorization-scheme', pattern: /\b(?:[Bb]earer|BEARER|[Bb]asic|[Tt]oken|Key)\s+(?<s>(?=[\w.~+/=:-]{0,256}\d)[\w.~+/=:-]{8,})/dg },
  // OpenAI, LiteLLM and Anthropic keys: sk-…, sk-proj-…
  { name: 'sk-key', pattern: /\b(?<s>sk-(?=[\w-]{0,256}\d)[\w-]{6,})/dg },
  { name: 'aws-access-key-id', pattern: /\b(?<s>(?:AKIA|ASIA)[A-Z0-9]{16})\b/dg },
  { name: 'google-api-key', pattern: /\b(?<s>AIza[\w-]{35})/dg },
  { name: 'replicate-token', pattern: /\b(?<s>r8_[A-Za-z0-9]{20,})/dg },
  { name: 'github-token', pattern: /\b(?<s>gh[pousr]_[A-Za-z0-9]{30,})/dg },
  // A JSON Web Token (an Entra ID token in AZURE_OPENAI_AD_TOKEN is one).
  { name: 'jwt', pattern: /\b(?<s>eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]*)/dg },
  // `api-key: …`, `"api_key": "…"`, `password=…`, `x-api-key: …`, `AWS_SECRET_ACCESS_KEY=…`
  {
    name: 'credential-field',
    pattern:
      /(?:api[_-]?key|apikey|(?:access|auth|session|refresh|id)[_-]?token|client[_-]?secret|secret[_-]?(?:access[_-]?)?key|password|passwd|authorization)["']?\s{0,8}[:=]\s{0,8}["']?(?:(?:bearer|basic|token|key)\s{1,8})?(?<s>(?=[^\s"'\\,;&<>]{0,256}\d)[^\s"'\\,;&<>]{6,})/dgi,
  },
  // A key or a signature in a URL's query (`?key=…` for Gemini, presigned S3 and GCS URLs).
  {
    name: 'credential-query-parameter',
    pattern:
      /[?&](?:key|api[_-]?key|access[_-]?token|token|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)=(?<s>[^&\s"'\\#<>]+)/dgi,
  },
];

/**
 * A cheap test that no shape can match: most strings (paths, ids, numbers as text) skip the
 * shapes entirely. Each shape's pattern needs one of these somewhere in the text.
 */
export const SHAPE_HINT = /:\/\/|bearer|basic|token|key|sk-|AKIA|ASIA|AIza|r8_|gh[pousr]_|eyJ|secret|passw|authorization|[?&]sig/i;
