import type { ProviderProfile } from '../providers/profile.js';
import type { WrittenShot } from './written.js';

/**
 * A shot that takes its video from another shot's: a remix or an edit of it, an extension of it,
 * or a continuation from its last frame. All four fan out the same way (one job per job of the
 * parent shot, with its bindings first), so expansion, ordering and cycle checks treat them
 * alike; what differs is what the child may set and which endpoint the runner calls.
 */

/** The keys, in the order a shot's one parent is read when the schema refused a second. */
export const PARENT_KINDS = ['remix', 'edit', 'extend', 'continue'] as const;
export type ParentKind = (typeof PARENT_KINDS)[number];

/** The shot a shot follows, as written. */
export interface ShotParent {
  readonly kind: ParentKind;
  /** The parent shot's id. */
  readonly shot: string;
}

/** On a resolved job: the job whose video this one starts from, and how. */
export interface JobParent {
  readonly kind: ParentKind;
  readonly job: string;
}

/** The shot's parent: the first of `remix`, `edit`, `extend`, `continue` it sets (the schema refuses a second). */
export function parentOf(shot: WrittenShot): ShotParent | null {
  for (const kind of PARENT_KINDS) {
    const target = shot[kind];
    if (target !== undefined) return { kind, shot: target };
  }
  return null;
}

/** Whether the schema refused one of the shot's parent keys: its ancestry is then unknown. */
export function parentRejected(rejected: ReadonlySet<string>): boolean {
  return PARENT_KINDS.some((kind) => rejected.has(kind));
}

/** How messages name a child of each kind. */
export const CHILD_NOUN: Readonly<Record<ParentKind, string>> = { remix: 'a remix', edit: 'an edit', extend: 'an extension', continue: 'a continuation' };
/** How messages say what a child of each kind does to its parent. */
export const CHILD_VERB: Readonly<Record<ParentKind, string>> = { remix: 'remixes', edit: 'edits', extend: 'extends', continue: 'continues' };

/**
 * Whether the profile's servers can make a child of this kind. A continuation is a create whose
 * input_reference is the parent's last frame, so it needs image input.
 */
export function servesParentKind(profile: ProviderProfile, kind: ParentKind): boolean {
  switch (kind) {
    case 'remix':
      return profile.features.remix;
    case 'edit':
      return profile.features.edit === true;
    case 'extend':
      return profile.features.extend === true;
    case 'continue':
      return profile.features.inputReference;
  }
}
