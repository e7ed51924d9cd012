import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Credentials of every kind shotlist holds or will hold, each recognisable, and a search for
 * them in every form text carries them in. Written independently of src/untrusted, so the
 * redactor is checked against a second opinion, not against itself.
 */
export const SECRET_ENV: Readonly<Record<string, string>> = {
  OPENAI_API_KEY: 'sk-proj-OPENAIkey0123456789abcdefXYZ',
  AZURE_OPENAI_API_KEY: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  AZURE_OPENAI_AD_TOKEN: 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJjb2duaXRpdmUifQ.c2lnbmF0dXJlMTIz',
  SHOTLIST_API_KEY: 'shotlist-key-9f8e7d6c5b4a',
  VLLM_API_KEY: 'vllm-served-secret-31337',
  LITELLM_API_KEY: 'sk-litellm-virtual-0042key',
  GEMINI_API_KEY: 'AIzaSyGEMINIkey-0123456789abcdefghijkl',
  GOOGLE_API_KEY: 'AIzaSyGOOGLEkey_9876543210zyxwvutsrqpo',
  FAL_KEY: 'a3f2c1d0-1234-4abc-9def-0123456789ab:0123456789abcdef0123456789abcdef',
  REPLICATE_API_TOKEN: 'r8_REPLICATEtoken0123456789abcdefghij',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  // Quote, backslash, slash, plus, equals, ampersand: its encodings all differ from it.
  AWS_SECRET_ACCESS_KEY: 'wJalr"XUtn\\FEMI/K7MDENG+bPxRfiCY=K&Y',
  AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEBaaDHsession+token/with=signs0123',
  // No SHOTLIST_REMOTE: a remote URL never holds a credential (one with a password is refused by
  // every command, exit 2, unechoed: test/remote/remote-url.test.ts); the remote's credentials
  // are the AWS ones above.
};

/** The secret values of SECRET_ENV. */
export const SECRETS: readonly string[] = Object.values(SECRET_ENV);

/** The forms a secret may take in a text, a JSON document, a URL, an HTML page or a Markdown file. */
export function formsOf(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  return [
    ...new Set([
      secret,
      uri,
      uri.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
      JSON.stringify(secret).slice(1, -1),
      JSON.stringify(JSON.stringify(secret)).slice(3, -3),
      secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'),
      secret.replace(/[\\`*_{}[\]<>|#]/g, (c) => `\\${c}`),
      Buffer.from(secret).toString('base64').replace(/=+$/, ''),
      // Inside a longer base64 text (`Basic base64(user:key)`), at each of its three alignments.
      ...[0, 1, 2].map((k) =>
        Buffer.from('\0'.repeat(k) + secret)
          .toString('base64')
          .slice(4, -4),
      ),
    ]),
  ];
}

/** Which secrets (by their first characters) appear in `text` in some form, and in which. */
export function leaksIn(text: string | Buffer, secrets: readonly string[] = SECRETS): string[] {
  const haystack = text.toString();
  return secrets.flatMap((secret) =>
    formsOf(secret)
      .filter((form) => haystack.includes(form))
      .map((form) => `${secret.slice(0, 12)}… as ${JSON.stringify(form.slice(0, 20))}`),
  );
}

/** Every file under `dir` (absent dir: none). */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** Leaks in every file under the given directories and files. */
export async function leaksInFiles(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const p of paths) {
    const files = p.endsWith('/') ? await filesUnder(p) : [p];
    for (const file of files) {
      const bytes = await readFile(file).catch(() => null);
      if (bytes) found.push(...leaksIn(bytes).map((leak) => `${file}: ${leak}`));
    }
  }
  return found;
}
