import { credentialValuesOf, MIN_SECRET_LENGTH } from './credential-sources.js';
import { CREDENTIAL_SHAPES, SHAPE_HINT } from './credential-shapes.js';

/**
 * One redactor per process, from every credential shotlist holds or could hold (the
 * environment's keys and tokens, URL userinfo, the key a client was given) and every shape of
 * one it does not know (credential-shapes.ts). It is applied where untrusted text enters (the
 * API client's parsing) and wherever text leaves (the CLI's output streams, the lockfile
 * writer, the report, the run summary), so a new route to an output cannot bypass it.
 *
 * Known values are found verbatim and in the encodings text carries them in: URL-encoded,
 * JSON-escaped (once or twice), HTML-escaped, and base64 (alone, or inside a longer base64 text such as a
 * Basic credential). A value split across two strings, or encoded otherwise, is not found.
 */

export const REDACTED = '[redacted]';

/** How a found secret is replaced: by `[redacted]`, or by a mask of its length (a code frame's caret stays in place). */
export type Mask = (secret: string) => string;

export const redacted: Mask = () => REDACTED;
export const sameLength: Mask = (secret) => '*'.repeat(secret.length);

export interface Redactor {
  /** `text` with every credential replaced. */
  redact(text: string, mask?: Mask): string;
  /** `text` with every known secret replaced, but no mere shape of one (for ids, where a shape may be a user's word). */
  redactKnown(text: string): string;
  /** A copy of a JSON-like value with every string in it redacted; object keys are kept. */
  redactDeep<T>(value: T): T;
  /** A `JSON.stringify` replacer that redacts every string value (object keys are kept); cheaper than `redactDeep` and a copy. */
  replacer(key: string, value: unknown): unknown;
  /** Where `text` holds a secret remembered as held (one shotlist uses), in any of its encodings. */
  heldIn(text: string): [number, number][];
  /**
   * Adds values to look for (those shorter than MIN_SECRET_LENGTH are not looked for). `held`:
   * credentials shotlist itself uses, which no storyboard may contain.
   */
  remember(values: Iterable<string | null | undefined>, held?: boolean): void;
}

/** Strings whose redaction `redactDeep` remembers: a 10,000-job lockfile holds about 150,000. */
const MAX_CACHED = 200_000;

export function createRedactor(): Redactor {
  const known = new Set<string>();
  const held = new Set<string>();
  let needles: RegExp | null = null;
  let heldNeedles: RegExp | null = null;

  const spansOf = (text: string, shapes: boolean, pattern: RegExp | null = needles): [number, number][] => {
    const spans: [number, number][] = [];
    if (pattern !== null && mayHold(pattern, text)) for (const match of text.matchAll(pattern)) spans.push([match.index, match.index + match[0].length]);
    if (shapes && SHAPE_HINT.test(text)) {
      for (const { pattern: shape } of CREDENTIAL_SHAPES) {
        for (const match of text.matchAll(shape)) {
          const at = match.indices?.groups?.['s'];
          if (at) spans.push(at);
        }
      }
    }
    return spans;
  };

  const redact = (text: string, mask: Mask = redacted): string => {
    const spans = spansOf(text, true);
    return spans.length === 0 ? text : replaceSpans(text, spans, mask);
  };

  const redactKnown = (text: string): string => {
    const spans = spansOf(text, false);
    return spans.length === 0 ? text : replaceSpans(text, spans, redacted);
  };

  // The lockfile is written whole after every state change, its strings mostly the same as last
  // time: each string's answer is kept until a secret is added (the answers then change).
  const answers = new Map<string, string>();
  const redactCached = (text: string): string => {
    let answer = answers.get(text);
    if (answer === undefined) {
      if (answers.size >= MAX_CACHED) answers.clear();
      answer = redact(text);
      answers.set(text, answer);
    }
    return answer;
  };

  const redactDeep = <T>(value: T): T => {
    if (typeof value === 'string') return redactCached(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item)) as T;
    if (typeof value === 'object' && value !== null) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        // defineProperty: a key named `__proto__` stays a key (plain assignment elsewhere: it is faster).
        if (key === '__proto__') Object.defineProperty(copy, key, { value: redactDeep(item), enumerable: true, writable: true, configurable: true });
        else copy[key] = redactDeep(item);
      }
      return copy as T;
    }
    return value;
  };

  const remember = (values: Iterable<string | null | undefined>, isHeld = false): void => {
    let added = false;
    for (const value of values) {
      if (value === null || value === undefined || value.length < MIN_SECRET_LENGTH) continue;
      if (!known.has(value)) {
        known.add(value);
        added = true;
      }
      if (isHeld && !held.has(value)) {
        held.add(value);
        heldNeedles = needlePattern(held);
      }
    }
    if (added) {
      needles = needlePattern(known);
      answers.clear();
    }
  };

  return {
    redact,
    redactKnown,
    redactDeep,
    replacer: (_key, value) => (typeof value === 'string' ? redactCached(value) : value),
    heldIn: (text) => spansOf(text, false, heldNeedles),
    remember,
  };
}

/** A quick `test` before collecting matches: most strings hold none, and matchAll costs more to set up. */
function mayHold(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  const found = pattern.test(text);
  pattern.lastIndex = 0;
  return found;
}

/** One alternation of every encoding of every secret, longest first so that the longest wins at a position. */
function needlePattern(secrets: ReadonlySet<string>): RegExp {
  const all = new Set<string>();
  for (const secret of secrets) for (const form of encodingsOf(secret)) if (form.length >= MIN_SECRET_LENGTH) all.add(form);
  const sorted = [...all].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
}

/** The forms a secret takes in text that shotlist writes or a server sends. */
export function encodingsOf(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  return [
    secret,
    uri,
    uri.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
    uri.replace(/%20/g, '+'),
    JSON.stringify(secret).slice(1, -1),
    // JSON-escaped twice: a server's JSON text quoted in shotlist's own `--json` line.
    JSON.stringify(JSON.stringify(secret)).slice(3, -3),
    secret.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`),
    secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
    ...base64Cores(secret),
  ];
}

/**
 * The base64 characters that encode only the secret's bytes, at each of the three alignments it
 * can have inside a longer base64 text (`Basic base64(user:key)`), in both alphabets.
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    // Characters whose 6 bits lie wholly inside the secret's bytes.
    const first = Math.ceil((offset * 8) / 6);
    const last = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = encoded.slice(first, last);
    cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

function replaceSpans(text: string, spans: [number, number][], mask: Mask): string {
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = '';
  let at = 0;
  let open: [number, number] | null = null;
  const flush = () => {
    if (open === null) return;
    out += text.slice(at, open[0]) + mask(text.slice(open[0], open[1]));
    at = open[1];
  };
  for (const span of spans) {
    if (open !== null && span[0] <= open[1]) open = [open[0], Math.max(open[1], span[1])];
    else {
      flush();
      open = [span[0], span[1]];
    }
  }
  flush();
  return out + text.slice(at);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The process's redactor: every credential of the process's environment from the start, and
 * whatever `main` (another environment, in tests) and the API client (the key it was given) add.
 * Add-only, so two commands in one process (tests, watch) never un-redact each other's secrets.
 */
const processRedactor = createRedactor();
rememberCredentialsOf(process.env);

/** Every credential the process knows of, and every shape of one, replaced in `text`. */
export function redact(text: string, mask?: Mask): string {
  return processRedactor.redact(text, mask);
}

/** Every credential the process knows of replaced in `text`; shapes are left (see `Redactor.redactKnown`). */
export function redactKnown(text: string): string {
  return processRedactor.redactKnown(text);
}

/** A JSON-like value with every string in it redacted (see `redact`). */
export function redactDeep<T>(value: T): T {
  return processRedactor.redactDeep(value);
}

/** A `JSON.stringify` replacer redacting every string value (see `redactDeep`). */
export function redactingReplacer(key: string, value: unknown): unknown {
  return processRedactor.replacer(key, value);
}

/** Where `text` holds a credential shotlist uses (see `Redactor.heldIn`). */
export function heldSecretsIn(text: string): [number, number][] {
  return processRedactor.heldIn(text);
}

/** Adds secrets to the process's redactor: a key given to a client (`held`: one shotlist uses). */
export function rememberSecrets(values: Iterable<string | null | undefined>, held = false): void {
  processRedactor.remember(values, held);
}

/** Adds every credential an environment holds (see credential-sources.ts). */
export function rememberCredentialsOf(env: Readonly<Record<string, string | undefined>>): void {
  const { held, other } = credentialValuesOf(env);
  processRedactor.remember(held, true);
  processRedactor.remember(other);
}
