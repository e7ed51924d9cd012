import type { Lockfile } from '../lockfile/lockfile.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';

/**
 * Each declared character's id on this provider, by name: the lockfile's record for the same
 * name, clip bytes and provider. A changed clip (or another provider) has none: its character is
 * made anew, and the jobs casting it render again.
 */
export function recordedCharacterIds(
  loaded: Pick<LoadedStoryboard, 'storyboard' | 'characterClips'>,
  lockfile: Lockfile | null,
  providerId: string,
): Map<string, string> {
  const ids = new Map<string, string>();
  for (const character of loaded.storyboard.characters) {
    const clip = loaded.characterClips.get(character.clip.absPath);
    if (clip?.status !== 'ok') continue;
    const found = lockfile?.characters?.find((made) => made.name === character.name && made.clip_sha256 === clip.sha256 && made.provider === providerId);
    if (found) ids.set(character.name, found.id);
  }
  return ids;
}
