import type { Issue } from '../source/issue.js';
import type { ResolvedShot, StoryboardDraft } from './resolve-storyboard.js';

/**
 * Shots whose jobs may be missing because of a problem already reported: a cut entry naming one
 * and finding no job says nothing more (the problem is the shot's, and is said there). `'all'`
 * when the problem can touch every shot (the provider, `vars`, `defaults`, an import or partial
 * file, the job cap). Pure.
 */
export function shotsInDoubt(
  storyboard: StoryboardDraft,
  mainFile: string,
  detached: readonly ResolvedShot[],
  issues: readonly Issue[],
): ReadonlySet<string> | 'all' {
  const { unknowns } = storyboard;
  if (storyboard.provider === null || unknowns.vars || unknowns.partials === 'all' || unknowns.partials.size > 0 || unknowns.defaults.size > 0) return 'all';
  const broken = new Set<number>();
  for (const issue of issues) {
    // The cuts' own problems (the schema's, say) leave the shots' jobs as they are.
    if (issue.severity !== 'error' || (issue.file === mainFile && /^cuts(?:$|[.[])/.test(issue.path))) continue;
    const shot = issue.file === mainFile ? /^shots\[(\d+)\](?:$|[.[])/.exec(issue.path) : null;
    if (!shot) return 'all';
    broken.add(Number(shot[1]));
  }
  const doubted = new Set<string>();
  for (const shot of storyboard.shots) if (broken.has(shot.index) || shot.rejected.size > 0) doubted.add(shot.written.id);
  for (const shot of detached) doubted.add(shot.written.id);
  // A remix's jobs are made from its parent's: a shot in doubt puts its whole family in doubt.
  for (let grew = true; grew;) {
    grew = false;
    for (const shot of storyboard.shots) {
      if (shot.written.remix !== undefined && doubted.has(shot.written.remix) && !doubted.has(shot.written.id)) {
        doubted.add(shot.written.id);
        grew = true;
      }
    }
  }
  return doubted;
}
