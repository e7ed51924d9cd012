import { isExtraField } from './extra-fields.js';
import type { AxisValue, Binding } from './job.js';
import { REQUEST_FIELDS } from './written.js';

/**
 * The variant bindings that set request fields. An axis named like a field sets it (`size:
 * [1280x720, 720x1280]`), and so does a key of that name in a map value (`format: [{id: portrait,
 * size: 720x1280}]`): a value never silently loses its effect. Pure.
 */

/** One binding that sets one request field (`model`, `size`, `seconds` or an extra field). */
export interface FieldSetter {
  readonly field: string;
  /** The field's value as a binding of its own: the value, and where it is written. */
  readonly binding: Binding;
  /** How it is named in messages: `variant axis "size"`, or `key "size" of variant axis "format"`. */
  readonly what: string;
  /** Set by a key of a map value, rather than by the axis's own name. */
  readonly byKey: boolean;
}

/** Whether `name` is a request field a storyboard may set. */
export function isFieldName(name: string): boolean {
  return (REQUEST_FIELDS as readonly string[]).includes(name) || isExtraField(name);
}

/**
 * The field setters among a job's own bindings. An axis named like a field whose value is a map
 * takes the field from the map's key of the same name when it has one (the map's own name only
 * labels the job); otherwise the axis's value is the field's, and is checked as such.
 */
export function fieldSettersOf(bindings: readonly Binding[]): FieldSetter[] {
  const setters: FieldSetter[] = [];
  for (const binding of bindings) {
    const map = typeof binding.value === 'object' && binding.value !== null ? binding.value : null;
    if (isFieldName(binding.axis) && !(map !== null && Object.hasOwn(map, binding.axis))) {
      setters.push({ field: binding.axis, binding, what: `variant axis "${binding.axis}"`, byKey: false });
    }
    if (map === null) continue;
    for (const key of Object.keys(map)) {
      if (!isFieldName(key)) continue;
      const origin = { file: binding.origin.file, path: [...binding.origin.path, key] };
      setters.push({
        field: key,
        binding: { ...binding, value: map[key] as AxisValue, origin },
        what: `key "${key}" of variant axis "${binding.axis}"`,
        byKey: true,
      });
    }
  }
  return setters;
}
