import type { Issue } from '../source/issue.js';
import { issueAt } from '../source/yaml-source.js';
import type { DraftCharacter } from './characters.js';
import type { CharacterClipInfo } from './read-character-clips.js';
import type { StoryboardDraft } from './resolve-storyboard.js';
import { describeRefusal, type RefusalWording } from './project-file.js';

const CHARACTER_CLIP: RefusalWording = {
  noun: 'character clip',
  codePrefix: 'character-clip',
  keepInside: 'clips',
  limit: 'at most 24 MiB',
  tooLargeHint: 'a 2–4 s clip at 720p or 1080p is a few MiB; re-encode it',
};

/**
 * A character is made from "short MP4s (2–4 s)" (reference §7): shorter or longer clips are
 * refused by the server, after the storyboard's other jobs may have started.
 */
export const MIN_CLIP_SECONDS = 2;
export const MAX_CLIP_SECONDS = 4;

/**
 * Each character's clip exists inside the project, is an MP4 with a video track, and lasts 2 to
 * 4 seconds, measured to a tenth as the server does (an audio track may overhang the picture by
 * a few milliseconds). Pure: the clips were read before.
 */
export function validateCharacterClips(storyboard: Pick<StoryboardDraft, 'sources' | 'characters'>, infos: ReadonlyMap<string, CharacterClipInfo>): Issue[] {
  const issues: Issue[] = [];
  for (const character of storyboard.characters) {
    const info = character.clip && infos.get(character.clip.absPath);
    if (!info) continue;
    const problem = problemOf(info, character);
    if (problem) issues.push(issueAt(storyboard.sources.get(character.origin.file)!, [...character.origin.path, 'clip'], problem));
  }
  return issues;
}

function problemOf(info: CharacterClipInfo, character: DraftCharacter): Pick<Issue, 'code' | 'message' | 'expected' | 'found' | 'hint'> | null {
  const file = character.clip!.path;
  if (info.status !== 'ok') return describeRefusal(info, file, CHARACTER_CLIP);
  if (info.video === null)
    return {
      code: 'character-clip-type',
      message: `character clip ${file} is not an MP4 video`,
      expected: 'an MP4 with a video track',
      hint: 'the type is read from the bytes, not the file name; convert the clip to MP4',
    };
  const tenths = Math.round(info.video.seconds * 10) / 10;
  if (tenths >= MIN_CLIP_SECONDS && tenths <= MAX_CLIP_SECONDS) return null;
  const found = `${info.video.seconds.toFixed(2)} s`;
  return {
    code: 'character-clip-length',
    message: `character clip ${file} lasts ${found}`,
    expected: `${MIN_CLIP_SECONDS} to ${MAX_CLIP_SECONDS} seconds`,
    found,
    hint: `trim the clip to ${MIN_CLIP_SECONDS}–${MAX_CLIP_SECONDS} seconds of the character alone`,
  };
}
