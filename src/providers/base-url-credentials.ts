import { REDACTED } from '../untrusted/redactor.js';

/**
 * A base URL with credentials in it (`https://user:KEY@host/v1`) would be shown wherever the URL
 * is (the plan's header, `--json` events, the lockfile's provider identity, error messages).
 * Keys come from the environment only, so such a URL is refused wherever one is given: a
 * storyboard's provider block, shotlist.providers.yaml, `--base-url`. Pure.
 */

/** What an issue about such a URL says; `null` when the URL holds no credentials. */
export function baseUrlCredentialsProblem(url: string): { code: string; message: string; expected: string; found: string; hint: string } | null {
  if (!hasUserinfo(url)) return null;
  return {
    code: 'credentials-in-url',
    message: 'a base URL must not hold credentials',
    expected: 'a URL without user:password@',
    found: withoutUserinfo(url),
    hint: "remove them from the URL and set the key in the provider's environment variable (e.g. OPENAI_API_KEY); see `shotlist providers`",
  };
}

/** `scheme://…@` as written, or a user name or password as a URL parser reads it. */
export function hasUserinfo(url: string): boolean {
  const text = url.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(text)) return true;
  try {
    const parsed = new URL(text);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

/** The URL with its userinfo replaced, to say which URL without repeating the secret. */
function withoutUserinfo(url: string): string {
  return url.trim().replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, `$1${REDACTED}@`);
}
