import { UsageError } from '../errors.js';
import type { ProviderProfile } from './profile.js';
import { rememberSecrets } from '../untrusted/redactor.js';

/** A credential from the environment and the header it travels in. */
export interface Credential {
  readonly value: string;
  /** `bearer`: `Authorization: Bearer <value>`; `api-key`: `api-key: <value>` (Azure). */
  readonly style: 'bearer' | 'api-key';
}

/**
 * The credential for a profile: the first of its key variables that is set (sent per
 * `auth.style`), else the first of its token variables (an Entra ID token, always a bearer).
 * A profile that requires one and finds none stops the command before anything is sent.
 */
export function credentialFor(profile: ProviderProfile, env: Readonly<Record<string, string | undefined>>): Credential | null {
  const { auth } = profile;
  if (auth.style !== 'none') {
    const key = firstSet(auth.env, env);
    if (key !== null) return { value: key, style: auth.style };
  }
  const token = firstSet(auth.tokenEnv ?? [], env);
  if (token !== null) return { value: token, style: 'bearer' };
  if (auth.required) {
    const names = [...auth.env, ...(auth.tokenEnv ?? [])];
    throw new UsageError(`provider "${profile.name}" needs an API key`, { hint: `set ${names.join(' or ')} in the environment` });
  }
  return null;
}

/** The value of the first variable set; whatever its name, the redactor knows it from now on. */
function firstSet(names: readonly string[], env: Readonly<Record<string, string | undefined>>): string | null {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      rememberSecrets([value], true);
      return value;
    }
  }
  return null;
}
