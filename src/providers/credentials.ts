import { UsageError } from '../errors.js';
import { authHeaderOf } from './auth-header.js';
import type { AuthStyle, ProviderProfile } from './profile.js';
import { rememberSecrets } from '../untrusted/redactor.js';

/** A credential from the environment and the header it travels in, for the `/v1/videos` client. */
export interface Credential {
  readonly value: string;
  /** `bearer`: `Authorization: Bearer <value>`; `api-key`: `api-key: <value>` (Azure). */
  readonly style: 'bearer' | 'api-key';
}

/** A key from the environment, any protocol, with the headers that carry it (auth-header.ts). */
export interface ProtocolCredential {
  readonly value: string;
  readonly style: Exclude<AuthStyle, 'none'>;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The credential for a profile (see `keyFor`). `style` says how the `/v1/videos` client sends it;
 * the clients of the other protocols send it their own way (auth-header.ts), whatever it says.
 */
export function credentialFor(profile: ProviderProfile, env: Readonly<Record<string, string | undefined>>): Credential | null {
  const key = keyFor(profile, env);
  if (key === null) return null;
  return { value: key.value, style: key.style === 'api-key' ? 'api-key' : 'bearer' };
}

/**
 * The credential for a profile: the first of its key variables that is set (sent per
 * `auth.style`), else the first of its token variables (an Entra ID token, always a bearer).
 * A profile that requires one and finds none stops the command before anything is sent.
 */
export function keyFor(profile: ProviderProfile, env: Readonly<Record<string, string | undefined>>): ProtocolCredential | null {
  const { auth } = profile;
  if (auth.style !== 'none') {
    const key = firstSet(auth.env, env);
    if (key !== null) return { value: key, style: auth.style, headers: authHeaderOf(auth.style, key) };
  }
  const token = firstSet(auth.tokenEnv ?? [], env);
  if (token !== null) return { value: token, style: 'bearer', headers: authHeaderOf('bearer', token) };
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
