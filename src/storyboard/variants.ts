import type { Issue, Origin } from '../source/issue.js';
import { describeValue, truncate } from '../source/describe.js';
import { formatJobId, LABEL_FORBIDDEN, type AxisValue, type Binding } from './job.js';
import type { WrittenBinding, WrittenVariants } from './written.js';

/**
 * A shot's variant matrix: the cartesian product of its axes in the order written, minus the
 * `exclude` entries, plus the `include` entries, as CI matrices do. Pure.
 */

export interface Combination {
  readonly bindings: readonly Binding[];
}

/** Where issues about a shot's variants are reported; the caller owns the YAML source. */
export type ReportAt = (
  path: readonly (string | number)[],
  fields: Omit<Issue, 'file' | 'line' | 'column' | 'length' | 'path' | 'severity'>,
  options?: { key?: boolean },
) => void;

export interface MatrixInput {
  readonly variants: WrittenVariants | undefined;
  /** Document path of the shot, e.g. `['shots', 2]`. */
  readonly shotPath: readonly (string | number)[];
  readonly file: string;
  /** Bindings inherited from the parent job (a remix), listed first and matched by `exclude`. */
  readonly inherited: readonly Binding[];
}

export function axesOf(variants: WrittenVariants | undefined): string[] {
  return Object.keys(variants ?? {}).filter((key) => key !== 'include' && key !== 'exclude');
}

/** Expands one shot's matrix for one parent binding set (empty for a shot that is not a remix). */
export function expandMatrix(input: MatrixInput, report: ReportAt): Combination[] {
  const { variants, shotPath, file, inherited } = input;
  const axes = axesOf(variants);
  const variantsPath = [...shotPath, 'variants'];
  const origin = (path: readonly (string | number)[]): Origin => ({ file, path });

  let combos: Binding[][] = [[]];
  for (const axis of axes) {
    const values = (variants?.[axis] ?? []) as AxisValue[];
    const next: Binding[][] = [];
    for (const combo of combos) {
      values.forEach((value, index) => {
        const valuePath = [...variantsPath, axis, index];
        const label = labelOf(value, valuePath, report);
        if (label !== null) next.push([...combo, { axis, value, label, origin: origin(valuePath) }]);
      });
    }
    combos = next;
  }

  const excludes = variants?.exclude ?? [];
  const known = new Set([...inherited.map((b) => b.axis), ...axes, ...(variants?.include ?? []).flatMap((e) => Object.keys(e))]);
  excludes.forEach((entry, index) => {
    for (const key of Object.keys(entry)) {
      if (!known.has(key)) {
        report(
          [...variantsPath, 'exclude', index, key],
          {
            code: 'unknown-axis',
            message: `exclude names "${key}", which is not a variant axis of this shot`,
            expected: `one of ${[...known].join(', ') || '(no axes)'}`,
            found: key,
          },
          { key: true },
        );
      }
    }
  });
  const kept = combos.filter((combo) => !excludes.some((entry) => matches(entry, [...inherited, ...combo])));

  const seen = new Set(kept.map((combo) => formatJobId('', combo)));
  (variants?.include ?? []).forEach((entry, index) => {
    const entryPath = [...variantsPath, 'include', index];
    // Own keys only: `in` would find `constructor` or `toString` on every entry's prototype.
    const missing = axes.filter((axis) => !Object.hasOwn(entry, axis));
    if (missing.length > 0) {
      report(entryPath, {
        code: 'include-incomplete',
        message: `include entry does not bind ${missing.map((a) => `"${a}"`).join(', ')}`,
        expected: `a value for every axis: ${axes.join(', ')}`,
        hint: 'an include entry is one extra combination; give every axis a value',
      });
      return;
    }
    const inheritedClash = Object.keys(entry).find((key) => inherited.some((b) => b.axis === key));
    if (inheritedClash) {
      report(
        [...entryPath, inheritedClash],
        {
          code: 'axis-clash',
          message: `"${inheritedClash}" is bound by the parent shot and cannot be set again`,
          hint: "a remix inherits its parent's bindings",
        },
        { key: true },
      );
      return;
    }
    const ordered = [...axes, ...Object.keys(entry).filter((key) => !axes.includes(key))];
    const combo: Binding[] = [];
    for (const axis of ordered) {
      const value = entry[axis] as AxisValue;
      const label = labelOf(value, [...entryPath, axis], report);
      if (label === null) return;
      combo.push({ axis, value, label, origin: origin([...entryPath, axis]) });
    }
    const key = formatJobId('', combo);
    if (!seen.has(key)) {
      seen.add(key);
      kept.push(combo);
    }
  });
  return kept.map((bindings) => ({ bindings }));
}

/** A job matches an exclude entry when every key of the entry has the job's value. */
function matches(entry: WrittenBinding, bindings: readonly Binding[]): boolean {
  return Object.entries(entry).every(([axis, value]) => {
    const bound = bindings.find((b) => b.axis === axis);
    return bound !== undefined && value !== undefined && bound.label === plainLabel(value as AxisValue);
  });
}

function plainLabel(value: AxisValue): string | null {
  if (typeof value !== 'object') return String(value);
  const named = value['id'] ?? value['name'];
  return typeof named === 'string' || typeof named === 'number' || typeof named === 'boolean' ? String(named) : null;
}

/** How a value is named in a job id; reports values that cannot be named. */
function labelOf(value: AxisValue, path: readonly (string | number)[], report: ReportAt): string | null {
  const label = plainLabel(value);
  if (label === null) {
    report(path, {
      code: 'unnamed-axis-value',
      message: 'a map used as a variant value needs an "id" or "name" key to name its jobs',
      found: describeValue(value),
      hint: 'add `id: short-name` to the map',
    });
    return null;
  }
  if (label === '' || LABEL_FORBIDDEN.test(label)) {
    report(path, {
      code: 'bad-axis-label',
      message: `variant value ${truncate(JSON.stringify(label))} cannot name a job: it is empty or holds one of [ ] = , / \\ or a control character`,
      found: truncate(JSON.stringify(label)),
      hint: 'write the value as a map with a plain `id` (e.g. {id: mug-blue, name: "Mug, blue"})',
    });
    return null;
  }
  return label;
}
