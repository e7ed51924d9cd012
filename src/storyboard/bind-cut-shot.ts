import type { Binding, ResolvedJob } from './job.js';

/**
 * Which job a film's shot entry plays: the one job of the shot whose bindings agree with the
 * film's, as a remix job agrees with its parent (a remix job carries its parent's bindings, so it
 * is found the same way). Pure.
 *
 * A job agrees when every axis it shares with the film has the same value (by its label, as in
 * ids); an axis only one of them binds does not matter, so a shot without variants plays in every
 * film. When several jobs agree and the film's size is known, those of the film's size are
 * preferred: a shot varied by `format: [{id: landscape, size: 1280x720}, …]` plays in a cut
 * varied by `size`. One job left: bound. None, or several: the entry cannot be bound, and the
 * caller says why with what this returns.
 */
export type ShotBinding =
  | { readonly kind: 'bound'; readonly job: ResolvedJob }
  /** No job agrees: `shared` is the film's bindings on the axes the shot's jobs bind (what no job has). */
  | { readonly kind: 'none'; readonly shared: readonly Binding[] }
  /** Several jobs agree: the candidates, and the axes that tell them apart (the film binds none of them). */
  | { readonly kind: 'several'; readonly candidates: readonly ResolvedJob[]; readonly apart: readonly string[] };

export function bindCutShot(jobsOfShot: readonly ResolvedJob[], film: readonly Binding[], filmSize: string | null): ShotBinding {
  const labels = new Map(film.map((binding) => [binding.axis, binding.label]));
  const agrees = (binding: Binding): boolean => {
    const wanted = labels.get(binding.axis);
    return wanted === undefined || wanted === binding.label;
  };
  const agreeing = jobsOfShot.filter((job) => job.bindings.every(agrees));
  if (agreeing.length === 1) return { kind: 'bound', job: agreeing[0]! };
  if (agreeing.length === 0) {
    const shotAxes = new Set(jobsOfShot.flatMap((job) => job.bindings.map((binding) => binding.axis)));
    return { kind: 'none', shared: film.filter((binding) => shotAxes.has(binding.axis)) };
  }
  const sized = filmSize === null ? [] : agreeing.filter((job) => job.size.value === filmSize);
  if (sized.length === 1) return { kind: 'bound', job: sized[0]! };
  const candidates = sized.length > 1 ? sized : agreeing;
  const apart = [...new Set(candidates.flatMap((job) => job.bindings.map((binding) => binding.axis)))].filter(
    (axis) => !labels.has(axis) && new Set(candidates.map((job) => job.bindings.find((binding) => binding.axis === axis)?.label)).size > 1,
  );
  return { kind: 'several', candidates, apart };
}
