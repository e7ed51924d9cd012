/**
 * Where shotlist's credentials live, as data: the redactor (redactor.ts) is built from the
 * values these name. Adding a provider's or a store's key is one line in CREDENTIAL_ENV_VARS.
 */

/** Every environment variable that holds a credential shotlist sends, or will send, somewhere. */
export const CREDENTIAL_ENV_VARS: readonly string[] = [
  'OPENAI_API_KEY',
  'AZURE_OPENAI_API_KEY',
  'AZURE_OPENAI_AD_TOKEN',
  'SHOTLIST_API_KEY',
  'VLLM_API_KEY',
  'LITELLM_API_KEY',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'FAL_KEY',
  'REPLICATE_API_TOKEN',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

/** Variables holding a URL whose userinfo (`https://user:password@…`) is a credential shotlist uses. */
export const CREDENTIAL_URL_ENV_VARS: readonly string[] = ['SHOTLIST_REMOTE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3'];

/**
 * Any other variable whose name ends like a credential's counts as one too: a custom profile's
 * `auth.env`, a CI's `GITHUB_TOKEN`. Redacting a value that was no secret costs little; missing
 * one leaks it.
 */
export const CREDENTIAL_NAME = /(?:^|_)(?:API_?KEY|KEY|KEY_ID|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$/i;

/**
 * Values shorter than this are not searched for in text: `OPENAI_API_KEY=test` would otherwise
 * turn every "test" in a prompt, a path or a lockfile into `[redacted]`. Real keys are far longer.
 */
export const MIN_SECRET_LENGTH = 8;

/**
 * The credential values an environment holds. `held`: the ones shotlist uses (the variables
 * above, the userinfo of its URL-valued ones); a storyboard that contains one is refused.
 * `other`: the values of variables named like a credential and the userinfo of any other URL
 * (`HTTPS_PROXY`), which are only redacted.
 */
export function credentialValuesOf(env: Readonly<Record<string, string | undefined>>): { held: string[]; other: string[] } {
  const held: string[] = [];
  const other: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    if (CREDENTIAL_ENV_VARS.includes(name)) held.push(value);
    else if (CREDENTIAL_NAME.test(name)) other.push(value);
    (CREDENTIAL_URL_ENV_VARS.includes(name) ? held : other).push(...userinfoOf(value));
  }
  return { held, other };
}

/** The user name and password of a URL, as written and decoded, or nothing. */
export function userinfoOf(text: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(text.trim())) return [];
  try {
    const url = new URL(text.trim());
    return [url.username, url.password].filter((part) => part !== '').flatMap((part) => [part, safeDecode(part)]);
  } catch {
    return [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
