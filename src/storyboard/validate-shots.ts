import type { Issue } from '../source/issue.js';
import { closestName } from '../source/describe.js';
import { validateExtraFields } from './extra-fields.js';
import type { ResolvedShot, StoryboardDraft } from './resolve-storyboard.js';
import { issueAt } from '../source/yaml-source.js';
import { CHILD_VERB, parentOf, parentRejected, servesParentKind, type ParentKind, type ShotParent } from './parent-link.js';

/**
 * Rules about shots as a whole, before expansion: ids are unique, the shots named by `remix`,
 * `edit`, `extend` and `continue` exist, those chains have no cycles, and the provider can do
 * what the shots ask. Returns the sound shots in an order where every parent comes before its
 * children, so that expansion can go on and report the problems of those too; shots whose
 * ancestry is unknown (a cycle, a missing or rejected target, a repeated id, or under such a
 * shot) are `detached`: expansion checks only what does not depend on their parents.
 */
export function validateShots(storyboard: StoryboardDraft): { ordered: ResolvedShot[]; detached: ResolvedShot[]; issues: Issue[] } {
  const main = storyboard.sources.get(storyboard.shots[0]?.origin.file ?? '')!;
  const issues: Issue[] = [];
  const byId = new Map<string, ResolvedShot>();
  for (const shot of storyboard.shots) {
    const first = byId.get(shot.written.id);
    if (first) {
      issues.push(
        issueAt(main, [...shot.origin.path, 'id'], {
          code: 'duplicate-shot-id',
          message: `shot id "${shot.written.id}" is already used by shots[${first.index}]`,
          found: shot.written.id,
          hint: 'every shot needs its own id; job ids and output files derive from it',
        }),
      );
    } else byId.set(shot.written.id, shot);
  }

  const profile = storyboard.provider?.profile;
  for (const shot of storyboard.shots) {
    const link = parentOf(shot.written);
    const at = link ? [...shot.origin.path, link.kind] : [];
    // A shot that could not be read may be the one meant.
    if (link && !byId.has(link.shot) && !storyboard.unknowns.shots) {
      const guess = closestName(link.shot, [...byId.keys()]);
      issues.push(
        issueAt(main, at, {
          code: `unknown-${link.kind}-target`,
          message: `${link.kind} target "${link.shot}" is not a shot in this storyboard`,
          expected: 'the id of another shot',
          found: link.shot,
          hint: guess ? `did you mean "${guess}"?` : `shots: ${[...byId.keys()].join(', ')}`,
        }),
      );
    }
    if (link && profile && !servesParentKind(profile, link.kind)) issues.push(issueAt(main, at, unsupported(profile.name, link.kind)));
    if (shot.written.input_reference !== undefined && profile && !profile.features.inputReference) {
      issues.push(
        issueAt(main, [...shot.origin.path, 'input_reference'], {
          code: 'input-reference-unsupported',
          message: `provider "${profile.name}" does not accept input_reference images`,
        }),
      );
    }
  }
  issues.push(...validateExtraFields(storyboard));
  issues.push(
    ...findCycles(storyboard.shots, byId, (shot, kinds, cycle) => issueAt(main, [...shot.origin.path, parentOf(shot.written)!.kind], cycleIssue(kinds, cycle))),
  );
  const sound = storyboard.shots.filter((shot) => byId.get(shot.written.id) === shot && reachesRoot(shot, byId));
  const isSound = new Set(sound);
  return { ordered: parentsFirst(sound, byId), detached: storyboard.shots.filter((shot) => !isSound.has(shot)), issues };
}

/** The issue for a shot whose provider cannot make a child of its kind, naming the provider. */
function unsupported(provider: string, kind: ParentKind): Pick<Issue, 'code' | 'message' | 'hint'> {
  switch (kind) {
    case 'remix':
      return {
        code: 'remix-unsupported',
        message: `provider "${provider}" cannot remix videos`,
        hint: 'render this shot as its own prompt, or use a provider with remix (emulator, openai, azure, litellm)',
      };
    case 'edit':
      return {
        code: 'edit-unsupported',
        message: `provider "${provider}" cannot edit videos (it has no /videos/edits)`,
        hint: 'use remix: where the provider has it, render this shot as its own prompt, or use a provider with edits (emulator, openai, litellm)',
      };
    case 'extend':
      return {
        code: 'extend-unsupported',
        message: `provider "${provider}" cannot extend videos (it has no /videos/extensions)`,
        hint: 'use continue: to carry on from the last frame in a new clip, or a provider with extensions (emulator, openai, litellm)',
      };
    case 'continue':
      return {
        code: 'continue-unsupported',
        message: `provider "${provider}" takes no image input, so a shot cannot continue from another's last frame`,
        hint: 'drop continue: and describe the scene in the prompt, or use a provider with image input',
      };
  }
}

/** A cycle of remixes keeps its old words; one through edits, extensions or continuations names them. */
function cycleIssue(kinds: readonly ParentKind[], cycle: readonly string[]): Pick<Issue, 'code' | 'message' | 'hint'> {
  const distinct = [...new Set(kinds)];
  if (distinct.length === 1 && distinct[0] === 'remix')
    return {
      code: 'remix-cycle',
      message: `remix cycle: ${cycle.join(' -> ')}`,
      hint: 'a remix edits a finished video, so a chain must start at a shot that is not a remix',
    };
  return {
    code: 'parent-cycle',
    message: `${distinct.join('/')} cycle: ${cycle.join(' -> ')}`,
    hint: `each shot ${distinct.map((kind) => CHILD_VERB[kind]).join(' or ')} a finished video, so a chain must start at a shot that follows none`,
  };
}

/** The parent shot of a shot, when it names one that exists. */
function parentShot(shot: ResolvedShot, byId: ReadonlyMap<string, ResolvedShot>): ResolvedShot | undefined {
  const link: ShotParent | null = parentOf(shot.written);
  return link ? byId.get(link.shot) : undefined;
}

/** Whether following the parents from this shot ends at a shot that follows none (and none of whose parent keys was rejected). */
function reachesRoot(shot: ResolvedShot, byId: ReadonlyMap<string, ResolvedShot>): boolean {
  const seen = new Set<string>();
  for (let current: ResolvedShot | undefined = shot; current; current = parentShot(current, byId)) {
    if (parentRejected(current.rejected)) return false;
    if (parentOf(current.written) === null) return true;
    if (seen.has(current.written.id)) return false;
    seen.add(current.written.id);
  }
  return false;
}

/** Each cycle once, as `a -> b -> a`, reported at the parent key of the first shot in it. */
function findCycles(
  shots: readonly ResolvedShot[],
  byId: ReadonlyMap<string, ResolvedShot>,
  report: (shot: ResolvedShot, kinds: ParentKind[], cycle: string[]) => Issue,
): Issue[] {
  const issues: Issue[] = [];
  const done = new Set<string>();
  for (const start of shots) {
    const chain: ResolvedShot[] = [];
    let current: ResolvedShot | undefined = start;
    while (current && !done.has(current.written.id) && !chain.includes(current)) {
      chain.push(current);
      current = parentShot(current, byId);
    }
    if (current && chain.includes(current)) {
      const loop = chain.slice(chain.indexOf(current));
      const cycle = [...loop.map((shot) => shot.written.id), current.written.id];
      issues.push(
        report(
          current,
          loop.map((shot) => parentOf(shot.written)!.kind),
          cycle,
        ),
      );
    }
    for (const shot of chain) done.add(shot.written.id);
  }
  return issues;
}

function parentsFirst(shots: readonly ResolvedShot[], byId: ReadonlyMap<string, ResolvedShot>): ResolvedShot[] {
  const ordered: ResolvedShot[] = [];
  const placed = new Set<string>();
  for (const shot of shots) {
    // Walk up the chain to the first placed ancestor, then place the chain top-down.
    const chain: ResolvedShot[] = [];
    for (let current: ResolvedShot | undefined = shot; current && !placed.has(current.written.id);) {
      chain.push(current);
      current = parentShot(current, byId);
    }
    for (const link of chain.reverse()) {
      placed.add(link.written.id);
      ordered.push(link);
    }
  }
  return ordered;
}
