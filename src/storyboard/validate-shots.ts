import type { Issue } from '../source/issue.js';
import { closestName } from '../source/describe.js';
import { validateExtraFields } from './extra-fields.js';
import type { ResolvedShot, StoryboardDraft } from './resolve-storyboard.js';
import { issueAt } from '../source/yaml-source.js';

/**
 * Rules about shots as a whole, before expansion: ids are unique, remix targets exist, remix
 * chains have no cycles, and the provider can do what the shots ask. Returns the sound shots
 * in an order where every parent comes before its remixes, so that expansion can go on and
 * report the problems of those too; shots whose ancestry is unknown (a cycle, a missing or
 * rejected target, a repeated id, or under such a shot) are `detached`: expansion checks only
 * what does not depend on their parents.
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
    const target = shot.written.remix;
    // A shot that could not be read may be the one meant.
    if (target !== undefined && !byId.has(target) && !storyboard.unknowns.shots) {
      const guess = closestName(target, [...byId.keys()]);
      issues.push(
        issueAt(main, [...shot.origin.path, 'remix'], {
          code: 'unknown-remix-target',
          message: `remix target "${target}" is not a shot in this storyboard`,
          expected: 'the id of another shot',
          found: target,
          hint: guess ? `did you mean "${guess}"?` : `shots: ${[...byId.keys()].join(', ')}`,
        }),
      );
    }
    if (target !== undefined && profile && !profile.features.remix) {
      issues.push(issueAt(main, [...shot.origin.path, 'remix'], { code: 'remix-unsupported', message: `provider "${profile.name}" cannot remix videos`, hint: 'render this shot as its own prompt, or use a provider with remix (emulator, openai, azure, litellm)' }));
    }
    if (shot.written.input_reference !== undefined && profile && !profile.features.inputReference) {
      issues.push(issueAt(main, [...shot.origin.path, 'input_reference'], { code: 'input-reference-unsupported', message: `provider "${profile.name}" does not accept input_reference images` }));
    }
  }
  issues.push(...validateExtraFields(storyboard));
  issues.push(...findCycles(storyboard.shots, byId, (shot, message) => issueAt(main, [...shot.origin.path, 'remix'], { code: 'remix-cycle', message, hint: 'a remix edits a finished video, so a chain must start at a shot that is not a remix' })));
  const sound = storyboard.shots.filter((shot) => byId.get(shot.written.id) === shot && reachesRoot(shot, byId));
  const isSound = new Set(sound);
  return { ordered: parentsFirst(sound, byId), detached: storyboard.shots.filter((shot) => !isSound.has(shot)), issues };
}

/** Whether following `remix:` from this shot ends at a shot that is not a remix (and not one whose `remix:` was rejected). */
function reachesRoot(shot: ResolvedShot, byId: ReadonlyMap<string, ResolvedShot>): boolean {
  const seen = new Set<string>();
  for (let current: ResolvedShot | undefined = shot; current; current = byId.get(current.written.remix ?? '')) {
    if (current.rejected.has('remix')) return false;
    if (current.written.remix === undefined) return true;
    if (seen.has(current.written.id)) return false;
    seen.add(current.written.id);
  }
  return false;
}

/** Each cycle once, as `a -> b -> a`, reported at the remix of the first shot in it. */
function findCycles(shots: readonly ResolvedShot[], byId: ReadonlyMap<string, ResolvedShot>, report: (shot: ResolvedShot, message: string) => Issue): Issue[] {
  const issues: Issue[] = [];
  const done = new Set<string>();
  for (const start of shots) {
    const chain: string[] = [];
    let current: ResolvedShot | undefined = start;
    while (current && !done.has(current.written.id) && !chain.includes(current.written.id)) {
      chain.push(current.written.id);
      current = current.written.remix === undefined ? undefined : byId.get(current.written.remix);
    }
    if (current && chain.includes(current.written.id)) {
      const cycle = [...chain.slice(chain.indexOf(current.written.id)), current.written.id];
      issues.push(report(byId.get(cycle[0]!)!, `remix cycle: ${cycle.join(' -> ')}`));
    }
    for (const id of chain) done.add(id);
  }
  return issues;
}

function parentsFirst(shots: readonly ResolvedShot[], byId: ReadonlyMap<string, ResolvedShot>): ResolvedShot[] {
  const ordered: ResolvedShot[] = [];
  const placed = new Set<string>();
  for (const shot of shots) {
    // Walk up the chain to the first placed ancestor, then place the chain top-down.
    const chain: ResolvedShot[] = [];
    for (let current: ResolvedShot | undefined = shot; current && !placed.has(current.written.id); ) {
      chain.push(current);
      current = current.written.remix === undefined ? undefined : byId.get(current.written.remix);
    }
    for (const link of chain.reverse()) {
      placed.add(link.written.id);
      ordered.push(link);
    }
  }
  return ordered;
}
