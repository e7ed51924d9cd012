import { hashProjectFile, type FileRefusal } from './project-file.js';
import type { CutDraft } from './resolve-cuts.js';
import { readImageInfo, type InputReferenceInfo } from './read-input-references.js';

/** Largest music bed read: minutes of compressed audio are a few MB; a bed is looped, so it need not be long. */
export const MAX_MUSIC_BYTES = 100 * 1024 * 1024;

/** A music bed as the checks see it: inside the project, a regular file within the bound, and its sha256. */
export type MusicInfo = { readonly status: 'ok'; readonly sha256: string; readonly bytes: number } | FileRefusal;

export interface CutFiles {
  /** Images by absolute path, read the way input_reference images are. */
  readonly images: ReadonlyMap<string, InputReferenceInfo>;
  readonly music: ReadonlyMap<string, MusicInfo>;
}

/** Reads each distinct image and music file the films name, once. */
export async function readCutFiles(drafts: readonly CutDraft[], projectRoot: string): Promise<CutFiles> {
  const images = new Map<string, InputReferenceInfo>();
  const music = new Map<string, MusicInfo>();
  for (const draft of drafts) {
    for (const entry of draft.sequence) {
      if (entry?.kind !== 'image' || images.has(entry.file.absPath)) continue;
      images.set(entry.file.absPath, await readImageInfo(entry.file.absPath, projectRoot));
    }
    if (draft.music && !music.has(draft.music.absPath)) music.set(draft.music.absPath, await readMusic(draft.music.absPath, projectRoot));
  }
  return { images, music };
}

async function readMusic(absPath: string, projectRoot: string): Promise<MusicInfo> {
  const read = await hashProjectFile(absPath, projectRoot, MAX_MUSIC_BYTES);
  return read.ok ? { status: 'ok', sha256: read.sha256, bytes: read.bytes } : read.refusal;
}
