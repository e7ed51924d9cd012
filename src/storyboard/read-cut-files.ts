import { confinePath } from '../files/confined-path.js';
import { hashBounded } from '../files/read-bounded.js';
import type { CutDraft } from './resolve-cuts.js';
import { readImageInfo, type InputReferenceInfo } from './read-input-references.js';

/** Largest music bed read: minutes of compressed audio are a few MB; a bed is looped, so it need not be long. */
export const MAX_MUSIC_BYTES = 100 * 1024 * 1024;

/** A music bed as the checks see it: inside the project, a regular file within the bound, and its sha256. */
export type MusicInfo =
  | { readonly status: 'ok'; readonly sha256: string; readonly bytes: number }
  | { readonly status: 'missing' | 'outside' | 'too-large' | 'not-a-file' | 'unreadable'; readonly detail: string };

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
  const confined = confinePath(projectRoot, absPath);
  if (!confined.ok) return { status: 'outside', detail: projectRoot };
  const read = await hashBounded(confined.path, MAX_MUSIC_BYTES);
  if (read.ok) return { status: 'ok', sha256: read.sha256, bytes: read.bytes };
  switch (read.reason) {
    case 'missing':
    case 'not-a-file':
      return { status: read.reason, detail: '' };
    case 'too-large':
      return { status: 'too-large', detail: String(read.bytes) };
    case 'unreadable':
      return { status: 'unreadable', detail: read.code };
  }
}
