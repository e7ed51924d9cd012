import { createHash } from 'node:crypto';
import path from 'node:path';
import { CreateOutcomeUnknownError } from '../api/index.js';
import { confinePath } from '../files/confined-path.js';
import { readBounded } from '../files/read-bounded.js';
import type { JobRequest } from '../lockfile/fingerprint.js';
import { MAX_CLIP_BYTES } from '../storyboard/read-character-clips.js';
import { JobFailedError, type JobContext } from './job-context.js';

/**
 * Characters made once per provider (reference §7): the first job of a run that casts one makes
 * it from its clip (`POST /videos/characters`) unless the lockfile records one for the same name,
 * clip bytes and provider; every other job waits for that one. Its id is recorded before any
 * create casts it, and goes into the casting jobs' requests (and so their fingerprints).
 */

/** The request with the ids of the characters it casts, each made first if it does not exist yet. */
export async function withCharacterIds(job: JobContext, request: JobRequest): Promise<JobRequest> {
  if (request.characters === undefined || request.characters.length === 0) return request;
  const characters = [];
  for (const { name } of request.characters) characters.push({ name, id: await characterId(job, name, request.provider) });
  return { ...request, characters };
}

function characterId(job: JobContext, name: string, provider: string): Promise<string> {
  const clip = job.run.characters?.get(name);
  if (clip === undefined)
    throw new JobFailedError(job.jobId, { code: 'character_unknown', message: `character "${name}" has no checked clip; nothing was sent` });
  // A character lives on the server that made it; a pool would cast it on servers that never saw it.
  if (job.run.recordServer)
    throw new JobFailedError(job.jobId, {
      code: 'unsupported',
      message: `characters are not cast on a pool of servers (character "${name}"); nothing was sent`,
    });
  const recorded = job.run.recorder.character(name, clip.sha256, provider);
  if (recorded) return Promise.resolve(recorded.id);
  const runs = job.run.makingCharacters;
  const key = JSON.stringify([name, provider, clip.sha256]);
  let made = runs.get(key);
  if (!made) {
    made = makeCharacter(job, name, provider, clip);
    // A failure is the failing job's: the next job casting the character tries again.
    made.catch(() => runs.delete(key));
    runs.set(key, made);
  }
  return made;
}

async function makeCharacter(job: JobContext, name: string, provider: string, clip: { readonly absPath: string; readonly sha256: string }): Promise<string> {
  const { run, jobId } = job;
  const create = job.at.client.createCharacter;
  if (create === undefined)
    throw new JobFailedError(jobId, { code: 'unsupported', message: `provider "${run.profile.name}" cannot make characters; nothing was sent` });
  const bytes = await clipBytes(job, name, clip);
  const send = () => create({ bytes, fileName: path.basename(clip.absPath) }, name, { signal: job.signal });
  let character;
  try {
    character = await send();
  } catch (error) {
    // There is no listing of characters to look for one whose answer was lost. Making one costs
    // no video; at worst the server keeps an unused duplicate. So it is sent once more.
    if (!(error instanceof CreateOutcomeUnknownError) || job.signal.aborted) throw error;
    character = await send();
  }
  await run.recorder.recordCharacter({ name, clip_sha256: clip.sha256, provider, id: character.id, created_at: character.createdAt });
  return character.id;
}

/** The clip as checked for the plan: inside the project, bounded, the same bytes. */
async function clipBytes(job: JobContext, name: string, clip: { readonly absPath: string; readonly sha256: string }): Promise<Buffer> {
  const changed = (what: string) =>
    new JobFailedError(job.jobId, {
      code: 'character_clip_changed',
      message: `the clip of character "${name}" ${what} since it was checked; nothing was sent (run again)`,
    });
  const confined = confinePath(job.run.projectRoot, clip.absPath);
  if (!confined.ok) throw changed('now leads outside the project directory');
  const read = await readBounded(confined.path, MAX_CLIP_BYTES);
  if (!read.ok) throw changed(`can no longer be read (${read.reason})`);
  if (createHash('sha256').update(read.bytes).digest('hex') !== clip.sha256) throw changed('changed (its sha256 differs)');
  return read.bytes;
}
