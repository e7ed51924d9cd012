import { closestName, truncate } from '../source/describe.js';
import type { Issue, Origin } from '../source/issue.js';
import type { Rejections } from '../source/rejections.js';
import { issueAt, type YamlSource } from '../source/yaml-source.js';
import type { ResolvedJob } from './job.js';
import { JobIssueGroups } from './job-issue-groups.js';
import type { StoryboardDraft } from './resolve-storyboard.js';
import type { WrittenStoryboard } from './written.js';
import { resolveWrittenPath, type WrittenPath } from './written-path.js';

/**
 * Recurring characters (the March-2026 contract, reference §7): declared once at the top of a
 * storyboard with a name and a short clip, created once per provider by the runner, and cast in
 * shots by name. The server finds a character in a prompt by its name, verbatim, so a shot
 * whose prompt does not say it casts nobody: that is checked here, per rendered prompt. Pure;
 * the clips are read and measured in read-character-clips.ts.
 */

/** The clip relative to the storyboard's directory (posix separators), and absolute. */
export type ClipRef = WrittenPath;

/** A declared character, its clip resolved against the storyboard's directory. */
export interface ResolvedCharacter {
  readonly name: string;
  readonly clip: ClipRef;
  /** The entry in `characters`. */
  readonly origin: Origin;
}

/** A character as the semantic pass sees it: its clip is `null` when that was rejected (the name still counts). */
export interface DraftCharacter extends Omit<ResolvedCharacter, 'clip'> {
  readonly clip: ClipRef | null;
}

/**
 * The declared characters the semantic pass can read, and whether some could not be read (the
 * list, or an entry's name, was rejected): then any name a shot casts may be one of those.
 */
export function resolveCharacters(
  main: YamlSource,
  written: WrittenStoryboard,
  rejected: Rejections,
  dir: string,
): { characters: DraftCharacter[]; unknown: boolean; issues: Issue[] } {
  const list = written.characters;
  if (list === undefined) return { characters: [], unknown: false, issues: [] };
  if (rejected.covers(['characters']) || !Array.isArray(list)) return { characters: [], unknown: true, issues: [] };
  const characters: DraftCharacter[] = [];
  const issues: Issue[] = [];
  let unknown = false;
  list.forEach((entry, index) => {
    const at = ['characters', index];
    if (rejected.covers(at) || rejected.touches([...at, 'name'])) {
      unknown = true;
      return;
    }
    // A rejected clip still declares its name: casting it is no error, checking its clip is skipped.
    const clip = rejected.touches([...at, 'clip']) ? null : (resolveWrittenPath(entry.clip, dir) ?? 'absolute');
    if (clip === 'absolute') {
      issues.push(
        issueAt(main, [...at, 'clip'], {
          code: 'character-clip-path',
          message: `a character's clip must be a path relative to the storyboard, found ${truncate(JSON.stringify(entry.clip))}`,
          hint: 'write the path relative to the storyboard file, e.g. assets/mossy.mp4',
        }),
      );
    }
    characters.push({ name: entry.name, clip: clip === 'absolute' ? null : clip, origin: { file: main.file, path: at } });
  });
  return { characters, unknown, issues };
}

/**
 * Rules on the cast, before expansion: names are declared once, a shot casts only declared
 * names (else "did you mean"), and no more than the provider casts in one video.
 */
export function validateCharacters(storyboard: StoryboardDraft): Issue[] {
  const issues: Issue[] = [];
  const source = (origin: Origin) => storyboard.sources.get(origin.file)!;
  const declared = new Map<string, DraftCharacter>();
  for (const character of storyboard.characters) {
    const first = declared.get(character.name);
    if (!first) {
      declared.set(character.name, character);
      continue;
    }
    issues.push(
      issueAt(source(character.origin), [...character.origin.path, 'name'], {
        code: 'duplicate-character',
        message: `character "${truncate(character.name)}" is already declared at ${formatIndex(first.origin)}`,
        found: character.name,
        hint: 'every character needs its own name: prompts and the server find it by that name',
      }),
    );
  }
  const profile = storyboard.provider?.profile;
  for (const shot of storyboard.shots) {
    const cast = shot.written.characters;
    if (cast === undefined) continue;
    const at = [...shot.origin.path, 'characters'];
    if (!storyboard.unknowns.characters) {
      cast.forEach((name, index) => {
        if (declared.has(name)) return;
        const guess = closestName(name, [...declared.keys()]);
        issues.push(
          issueAt(source(shot.origin), [...at, index], {
            code: 'unknown-character',
            message: `character "${truncate(name)}" is not declared in this storyboard's characters`,
            expected: declared.size > 0 ? `one of ${[...declared.keys()].join(', ')}` : 'a name declared under the top-level characters:',
            found: name,
            hint: guess ? `did you mean "${guess}"?` : 'declare it at the top of the storyboard: characters: [{name: ..., clip: assets/....mp4}]',
          }),
        );
      });
    }
    const most = profile?.features.characters ?? 0;
    if (profile && cast.length > most) issues.push(issueAt(source(shot.origin), at, tooMany(profile.name, most, cast.length)));
  }
  return issues;
}

function tooMany(provider: string, most: number, found: number): Pick<Issue, 'code' | 'message' | 'expected' | 'found' | 'hint'> {
  if (most === 0)
    return {
      code: 'characters-unsupported',
      message: `provider "${provider}" cannot cast characters`,
      hint: 'describe the character in the prompt instead, or use a provider with characters (emulator, openai, litellm)',
    };
  return {
    code: 'too-many-characters',
    message: `provider "${provider}" casts at most ${most} character${most === 1 ? '' : 's'} in one video, found ${found}`,
    expected: `at most ${most}`,
    found: String(found),
    hint: 'split the shot, or describe the other characters in the prompt',
  };
}

/** `characters[2]`, for messages. */
function formatIndex(origin: Origin): string {
  return `characters[${String(origin.path.at(-1))}]`;
}

/**
 * Each job's prompt, as rendered, names every declared character the job casts, verbatim (case
 * and spaces included): the server refuses a prompt that does not. One issue per name a shot's
 * jobs miss, naming the jobs. A name that is not declared was reported as such already.
 */
export function validateCharacterPrompts(storyboard: Pick<StoryboardDraft, 'sources' | 'characters' | 'unknowns'>, jobs: readonly ResolvedJob[]): Issue[] {
  const declared = new Set(storyboard.characters.map((character) => character.name));
  const groups = new JobIssueGroups();
  for (const job of jobs) {
    job.characters.forEach((name, index) => {
      if (job.prompt.includes(name) || !(declared.has(name) || storyboard.unknowns.characters)) return;
      groups.add(
        issueAt(storyboard.sources.get(job.origin.file)!, [...job.origin.path, 'characters', index], {
          code: 'character-not-in-prompt',
          message: `the prompt does not name character "${truncate(name)}" verbatim`,
          expected: `"${truncate(name)}" in the rendered prompt`,
          hint: 'write the name in the prompt exactly as declared (case and spaces too): the server finds a character by it',
        }),
        job.id,
      );
    });
  }
  return groups.issues();
}
