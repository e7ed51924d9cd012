import type { ValidateFunction } from 'ajv/dist/2020.js';
// Compiled from schemas/lockfile.schema.json at build time (scripts/schema-validators.ts) rather
// than by ajv at every start, like the storyboard schemas (see source/schema.ts).
import { lockfile as validator } from '../../generated/lockfile-validator.js';
import { LineCounter, parseDocument } from 'yaml';
import { LockfileError } from '../errors.js';
import { pointerToPath } from '../source/schema.js';
import { formatDocPath } from '../source/issue.js';
import type { RequestParent } from './fingerprint.js';
import { jsonSyntaxErrorOffset, lineColumnOf } from './json-syntax.js';
import { LOCKFILE_VERSION, type CutEntry, type LockCharacter, type LockEntry, type Lockfile, type OutputFile } from './lockfile.js';
import { redactingReplacer, redactKnown } from '../untrusted/redactor.js';
import { escapeRawControlsInJson } from '../untrusted/control-characters.js';

/**
 * Reading and writing the lockfile's text. The reader refuses other versions and anything the
 * schema does not describe, saying where; the writer is deterministic, so a run that changes
 * nothing leaves the file byte-identical.
 */

function validate(value: unknown): ValidateFunction['errors'] {
  return validator(value) ? null : validator.errors;
}

/** Parses lockfile text; `file` names it in errors. */
export function parseLockfile(text: string, file: string): Lockfile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LockfileError(`${file}${syntaxErrorPosition(text)}: not valid JSON (${(error as Error).message.split('\n')[0]})`, {
      hint: 'restore it from git, or delete it to plan from scratch (already rendered videos would then be paid for again)',
    });
  }
  const version = (value as { lockfileVersion?: unknown } | null)?.lockfileVersion;
  if (typeof value !== 'object' || value === null || version !== LOCKFILE_VERSION) {
    throw new LockfileError(`${file}: lockfileVersion ${JSON.stringify(version ?? null)} is not supported; this shotlist reads version ${LOCKFILE_VERSION}`, {
      hint:
        typeof version === 'number' && version > LOCKFILE_VERSION
          ? 'the lockfile was written by a newer shotlist; upgrade shotlist'
          : 'the file is not a shotlist lockfile',
    });
  }
  const errors = validate(value);
  if (errors && errors.length > 0) {
    const error = errors[0]!;
    const where = locateInJson(text, error.instancePath);
    throw new LockfileError(`${file}:${where} ${formatDocPath(pointerToPath(error.instancePath)) || '(root)'}: ${error.message ?? 'invalid'}`, {
      hint: 'the lockfile is written by shotlist; restore it from git rather than editing it by hand',
    });
  }
  return value as Lockfile;
}

/** `:line:col` of the first syntax error, for a message that reads `file:line:col`. */
function syntaxErrorPosition(text: string): string {
  const offset = jsonSyntaxErrorOffset(text);
  if (offset === null) return '';
  const { line, column } = lineColumnOf(text, offset);
  return `:${line}:${column}`;
}

/** line:col of a JSON pointer in the text. */
function locateInJson(text: string, pointer: string): string {
  return lockfilePosition(text, pointerToPath(pointer));
}

/**
 * line:col of the value at `at` (`['jobs', 'hero', 'outputs', 'video', 'path']`) in lockfile
 * text, for messages that read `file:line:col`: JSON is YAML, and the YAML parser keeps positions.
 */
export function lockfilePosition(text: string, at: readonly (string | number)[]): string {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const node = doc.getIn(at, true) as { range?: [number, number, number] } | undefined;
  const { line, col } = lines.linePos(node?.range?.[0] ?? 0);
  return `${line}:${col}`;
}

/** A lockfile problem at a place in its text: `file:line:col path: message`, as the parser's own are. */
export function lockfileErrorAt(text: string, file: string, at: readonly (string | number)[], message: string, hint: string): LockfileError {
  return new LockfileError(`${file}:${lockfilePosition(text, at)} ${formatDocPath([...at])}: ${message}`, { hint });
}

/**
 * The lockfile as text: sorted job ids, a fixed key order, 2-space indent, final newline. It is
 * committed to git, so every value is redacted on the way out, whatever route a server's text
 * took into an entry. Job ids, the keys, lose only the credentials shotlist knows (a storyboard
 * holding one is refused, so only a tampered entry has one): a mere shape of a key in an id
 * may be a user's word, and an id that changed would be rendered again. Control characters
 * JSON leaves raw are escaped (the same value), as the file is read in diffs and terminals.
 */
export function serializeLockfile(lock: Lockfile): string {
  const jobs: Record<string, unknown> = {};
  for (const id of Object.keys(lock.jobs).sort(byCodePoint)) jobs[redactKnown(id)] = orderEntry(lock.jobs[id]!);
  const characters = lock.characters && lock.characters.length > 0 ? { characters: [...lock.characters].sort(byCharacter).map(orderCharacter) } : {};
  // Only when there are films: a lockfile of a storyboard without cuts stays byte-identical.
  const cutIds = Object.keys(lock.cuts ?? {}).sort(byCodePoint);
  const cuts = cutIds.length === 0 ? {} : { cuts: Object.fromEntries(cutIds.map((id) => [redactKnown(id), orderCut(lock.cuts![id]!)])) };
  return `${escapeRawControlsInJson(JSON.stringify({ lockfileVersion: lock.lockfileVersion, name: lock.name, ...characters, jobs, ...cuts }, redactingReplacer, 2))}\n`;
}

function orderCharacter(character: LockCharacter): LockCharacter {
  return { name: character.name, clip_sha256: character.clip_sha256, provider: character.provider, id: character.id, created_at: character.created_at };
}

function byCharacter(a: LockCharacter, b: LockCharacter): number {
  return byCodePoint(a.name, b.name) || byCodePoint(a.provider, b.provider) || byCodePoint(a.clip_sha256, b.clip_sha256);
}

function orderCut(entry: CutEntry): Record<string, unknown> {
  const clips = Object.fromEntries(
    Object.keys(entry.clips)
      .sort(byCodePoint)
      .map((job) => [redactKnown(job), entry.clips[job]]),
  );
  return { fingerprint: entry.fingerprint, clips, outputs: { video: orderOutput(entry.outputs.video), timeline: orderOutput(entry.outputs.timeline) } };
}

function orderEntry(entry: LockEntry): Record<string, unknown> {
  const request = entry.request;
  return {
    fingerprint: entry.fingerprint,
    request: {
      provider: request.provider,
      model: request.model,
      size: request.size,
      seconds: request.seconds,
      prompt: request.prompt,
      ...(request.extra ? { extra: request.extra } : {}),
      ...(request.input_reference ? { input_reference: { path: request.input_reference.path, sha256: request.input_reference.sha256 } } : {}),
      ...(request.remix_of ? { remix_of: { job: request.remix_of.job, video_id: request.remix_of.video_id } } : {}),
      ...(request.parent ? { parent: orderParent(request.parent) } : {}),
      ...(request.characters ? { characters: request.characters.map((character) => ({ name: character.name, id: character.id })) } : {}),
    },
    video_id: entry.video_id,
    ...(entry.server !== undefined ? { server: entry.server } : {}),
    remixed_from: entry.remixed_from,
    status: entry.status,
    created_at: entry.created_at,
    expires_at: entry.expires_at,
    cost_usd: entry.cost_usd,
    ...(entry.cost ? { cost: { amount: entry.cost.amount, currency: entry.cost.currency } } : {}),
    error: entry.error
      ? { code: entry.error.code, message: entry.error.message, ...(entry.error.deterministic === true ? { deterministic: true } : {}) }
      : null,
    outputs: {
      ...(entry.outputs.video ? { video: orderOutput(entry.outputs.video) } : {}),
      ...(entry.outputs.thumbnail ? { thumbnail: orderOutput(entry.outputs.thumbnail) } : {}),
    },
  };
}

function orderParent(parent: RequestParent): RequestParent {
  return {
    kind: parent.kind,
    job: parent.job,
    video_id: parent.video_id,
    ...(parent.total_seconds !== undefined ? { total_seconds: parent.total_seconds } : {}),
    ...(parent.frame !== undefined ? { frame: parent.frame === null ? null : { path: parent.frame.path, sha256: parent.frame.sha256 } } : {}),
  };
}

function orderOutput(output: OutputFile): OutputFile {
  return { path: output.path, sha256: output.sha256, bytes: output.bytes };
}

/** Code-point order: the same on every machine and locale. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
