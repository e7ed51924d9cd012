import type { ModelProfile, ProviderProfile } from '../providers/profile.js';
import type { ReportAt } from './variants.js';

/**
 * What one model of a profile cannot make or take, beyond its lists of sizes and durations
 * (checked where every job's fields are): a duration its size is not made at (Veo 3.1's 1080p
 * and 4k only at 8 s), an image or an extra field this model does not take while the profile's
 * other models do (fal's Wan takes no image; Veo on the Gemini API takes no seed). Pure: the
 * problems come back as issue fields with the request field they concern; the caller locates them.
 */

export type ModelIssue = { readonly field: 'seconds' | 'input_reference' | string; readonly fields: Parameters<ReportAt>[1] };

export function secondsAtSizeIssue(profile: ProviderProfile, name: string, model: ModelProfile, size: string, seconds: string): ModelIssue | null {
  const allowed = model.secondsBySize?.[size];
  if (!allowed || allowed.includes(seconds)) return null;
  const sizesAtSeconds = (model.sizes as readonly string[]).filter((each) => (model.secondsBySize?.[each] ?? model.seconds).includes(seconds));
  return {
    field: 'seconds',
    fields: {
      code: 'unsupported-seconds',
      message: `expected one of ${allowed.join(', ')} seconds for ${name} at ${size}, found ${seconds}`,
      expected: allowed.join(', '),
      found: seconds,
      hint:
        sizesAtSeconds.length > 0
          ? `${name} makes ${seconds} s at ${sizesAtSeconds.join(', ')}; at ${size} only ${allowed.join(', ')} s`
          : `provider "${profile.name}" makes ${size} only at ${allowed.join(', ')} s`,
    },
  };
}

/**
 * An image or extra fields the model does not take (models without request data take what their
 * profile takes). What the profile itself refuses is reported once, by the profile's check.
 */
export function modelTakesIssues(profile: ProviderProfile, name: string, model: ModelProfile, extra: readonly string[], hasImage: boolean): ModelIssue[] {
  const request = model.request;
  if (!request) return [];
  const issues: ModelIssue[] = [];
  const others = (takes: (entry: ModelProfile) => boolean) =>
    Object.entries(profile.models)
      .filter(([, entry]) => takes(entry))
      .map(([each]) => each);
  if (hasImage && request.image === null && profile.features.inputReference) {
    const withImage = others((entry) => entry.request?.image !== null);
    issues.push({
      field: 'input_reference',
      fields: {
        code: 'input-reference-unsupported',
        message: `model ${name} of provider "${profile.name}" takes no input_reference image`,
        hint: withImage.length > 0 ? `models of "${profile.name}" that take one: ${withImage.join(', ')}` : 'remove input_reference',
      },
    });
  }
  for (const field of extra) {
    if (Object.hasOwn(request.extraFields, field) || !(profile.extraFields.allowed as readonly string[]).includes(field)) continue;
    const taken = Object.keys(request.extraFields);
    issues.push({
      field,
      fields: {
        code: 'unsupported-field',
        message: `model ${name} of provider "${profile.name}" does not take ${field}`,
        expected: taken.length > 0 ? `one of ${taken.join(', ')}` : 'no fields beyond model, size and seconds',
        found: field,
        hint: `remove ${field}, or use a model that takes it (${others((entry) => entry.request !== undefined && Object.hasOwn(entry.request.extraFields, field)).join(', ') || 'none here'})`,
      },
    });
  }
  return issues;
}
