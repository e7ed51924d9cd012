import { createHash } from 'node:crypto';
import { readProjectFile, type FileRefusal } from './project-file.js';
import type { DraftCharacter } from './characters.js';

/**
 * Largest character clip read: a 4 s clip at 1080p is a few MiB, and the upload must fit in one
 * request body (the emulator takes 32 MiB).
 */
export const MAX_CLIP_BYTES = 24 * 1024 * 1024;

/** What the checks (and, later, the lockfile: a changed clip makes a new character) need to know about a clip. */
export type CharacterClipInfo =
  | {
      readonly status: 'ok';
      readonly sha256: string;
      readonly bytes: number;
      /** `null` when the bytes are not an MP4 with a readable video track. */
      readonly video: { readonly width: number; readonly height: number; readonly seconds: number } | null;
    }
  | FileRefusal;

/** Reads each distinct clip once: containment, size, sha256, and its container measured by mediabunny. */
export async function readCharacterClips(characters: readonly DraftCharacter[], projectRoot: string): Promise<Map<string, CharacterClipInfo>> {
  const infos = new Map<string, CharacterClipInfo>();
  for (const { clip } of characters) {
    if (clip === null || infos.has(clip.absPath)) continue;
    infos.set(clip.absPath, await readOne(clip.absPath, projectRoot));
  }
  return infos;
}

async function readOne(absPath: string, projectRoot: string): Promise<CharacterClipInfo> {
  const read = await readProjectFile(absPath, projectRoot, MAX_CLIP_BYTES);
  if (!read.ok) return read.refusal;
  const { bytes } = read;
  return { status: 'ok', sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, video: await measureVideo(bytes) };
}

/**
 * The clip's picture size and length, as the server reads an upload: an MP4 with a video track,
 * its length from the end of the last sample of any track. mediabunny is loaded on the first
 * clip only: a storyboard without characters never pays for it.
 */
async function measureVideo(bytes: Uint8Array): Promise<{ width: number; height: number; seconds: number } | null> {
  const { BufferSource, Input, MP4 } = await import('mediabunny');
  try {
    const input = new Input({ source: new BufferSource(bytes), formats: [MP4] });
    const track = await input.getPrimaryVideoTrack();
    if (!track) return null;
    const seconds = await input.computeDuration();
    if (!(track.displayWidth > 0 && track.displayHeight > 0 && Number.isFinite(seconds))) return null;
    return { width: track.displayWidth, height: track.displayHeight, seconds };
  } catch {
    // Not an MP4, or one too damaged to read: reported as not a video.
    return null;
  }
}
