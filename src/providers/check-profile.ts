import type { ProviderProfile } from './profile.js';

/**
 * What a profile of the gemini, fal or replicate protocol must say about each model before a job
 * can be mapped to its request (mapping/): its sizes and durations as lists, and the request
 * fields each of them sets. `/v1/videos` profiles send `size` and `seconds` as written and need
 * none of this. Pure: problems as data, located by the caller under the profile's `models`.
 */
export interface ProfileProblem {
  /** The model concerned; null for the profile's models as a whole. */
  readonly model: string | null;
  readonly message: string;
  readonly hint: string;
}

export function profileModelProblems(profile: ProviderProfile): ProfileProblem[] {
  if (profile.protocol === 'openai-videos') return [];
  const entries = Object.entries(profile.models);
  if (entries.length === 0) {
    return [
      {
        model: null,
        message: `provider "${profile.name}" speaks the ${profile.protocol} protocol and must list its models`,
        hint: 'list each model with its sizes, seconds and request fields',
      },
    ];
  }
  const problems: ProfileProblem[] = [];
  for (const [name, model] of entries) {
    const problem = (message: string, hint: string) => problems.push({ model: name, message: `model ${name} of provider "${profile.name}" ${message}`, hint });
    if (model.sizes === 'any' || model.seconds === 'any') {
      problem('lists no sizes or no seconds', `on the ${profile.protocol} protocol each size and duration maps to request fields: list them`);
      continue;
    }
    if (!model.request) {
      problem('has no request fields', 'add request: {size_fields: {<size>: {...}}, seconds_fields: {<seconds>: {...}}} (see docs/providers.md)');
      continue;
    }
    const missingSizes = model.sizes.filter((size) => !Object.hasOwn(model.request!.sizeFields, size));
    const missingSeconds = model.seconds.filter((seconds) => !Object.hasOwn(model.request!.secondsFields, seconds));
    if (missingSizes.length > 0)
      problem(`has no request.size_fields for ${missingSizes.join(', ')}`, 'give every size in sizes the fields it sets ({} when it sets none)');
    if (missingSeconds.length > 0)
      problem(`has no request.seconds_fields for ${missingSeconds.join(', ')}`, 'give every duration in seconds the fields it sets');
  }
  return problems;
}
