import { createHash } from 'node:crypto';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { fps, generateAudio, guidanceScale, negativePrompt, numFrames, numInferenceSteps, seed } from '../../generated/storyboard-validators.js';
import { builtinsTaking } from '../providers/builtin.js';
import { EXTRA_FIELDS, type ExtraField, type ProviderProfile, type WireValue } from '../providers/profile.js';
import type { Issue, Origin } from '../source/issue.js';
import type { ResolvedStoryboard, StoryboardDraft } from './resolve-storyboard.js';
import { schemaMessage } from '../source/schema.js';
import type { WrittenShot } from './written.js';
import { issueAt } from '../source/yaml-source.js';

/**
 * The extra request fields (`seed`, `num_frames`, `fps`, `negative_prompt`,
 * `num_inference_steps`, `guidance_scale`, `generate_audio`): which a provider takes, and each
 * job's values (a number, a text, or `generate_audio`'s boolean).
 */

export { EXTRA_FIELDS, type ExtraField };

/** An extra field as written in `defaults`, and where. */
export interface ExtraFieldValue {
  readonly value: WireValue;
  readonly origin: Origin;
}

/** A job's extra fields as sent: `seed: auto` already turned into its number. Keys in `EXTRA_FIELDS` order. */
export type ExtraRequest = Readonly<Record<string, WireValue>>;

/**
 * `seed: auto`: the first 8 hex digits of sha256 of the job id, as an integer, masked to 31 bits
 * (servers keep seeds in a signed 32-bit int). The same job id always gets the same seed, on
 * every machine; renaming a variant value changes the id and so the seed.
 */
export function autoSeed(jobId: string): number {
  return Number.parseInt(createHash('sha256').update(jobId, 'utf8').digest('hex').slice(0, 8), 16) & 0x7fffffff;
}

/** A job's extra fields: the shot's own, else `defaults`; `null` when none is set (a remix sends none). */
export function resolveExtraFields(shot: WrittenShot, defaults: ResolvedStoryboard['extraDefaults'], jobId: string): ExtraRequest | null {
  let extra: Record<string, WireValue> | null = null;
  for (const field of EXTRA_FIELDS) {
    const value = shot[field] ?? defaults[field]?.value;
    if (value === undefined) continue;
    extra ??= {};
    extra[field] = field === 'seed' && value === 'auto' ? autoSeed(jobId) : value;
  }
  return extra;
}

/** Extra fields the provider does not take, where the shots or `defaults` set them: one issue each, naming the provider (if it is known). */
export function validateExtraFields(storyboard: StoryboardDraft): Issue[] {
  const profile = storyboard.provider?.profile;
  if (!profile) return [];
  const issues: Issue[] = [];
  for (const [field, written] of Object.entries(storyboard.extraDefaults)) {
    if (!takes(profile, field)) issues.push(refusal(storyboard, profile, field, written.origin));
  }
  for (const shot of storyboard.shots) {
    for (const field of EXTRA_FIELDS) {
      if (shot.written[field] !== undefined && !takes(profile, field))
        issues.push(refusal(storyboard, profile, field, { file: shot.origin.file, path: [...shot.origin.path, field] }));
    }
  }
  return issues;
}

/** Whether `name` (a variant axis, say) is one of the extra request fields. */
export function isExtraField(name: string): name is ExtraField {
  return (EXTRA_FIELDS as readonly string[]).includes(name);
}

/**
 * Each extra field's `$defs` entry in schemas/storyboard.schema.json, compiled ahead of time: a
 * variant axis named like the field takes exactly the values the field takes in a shot.
 */
const FIELD_SCHEMAS: Readonly<Record<ExtraField, ValidateFunction>> = {
  seed,
  num_frames: numFrames,
  fps,
  negative_prompt: negativePrompt,
  num_inference_steps: numInferenceSteps,
  guidance_scale: guidanceScale,
  generate_audio: generateAudio,
};

/** A variant axis value for an extra field, as sent (`auto` becomes the job's seed); else what was expected, from the field's `errorMessage`. */
export function extraAxisValue(field: ExtraField, value: unknown, jobId: string): { readonly value: WireValue } | { readonly expected: string } {
  const validate = FIELD_SCHEMAS[field];
  if (validate(value)) return { value: value === 'auto' ? autoSeed(jobId) : (value as WireValue) };
  const message = (validate.errors ?? []).map(schemaMessage).find((text) => text !== undefined);
  return { expected: message?.replace(/^expected /, '') ?? `a valid ${field}` };
}

export function takes(profile: ProviderProfile, field: string): boolean {
  return (profile.extraFields.allowed as readonly string[]).includes(field);
}

function refusal(storyboard: Pick<ResolvedStoryboard, 'sources'>, profile: ProviderProfile, field: string, origin: Origin): Issue {
  const allowed = profile.extraFields.allowed;
  return issueAt(
    storyboard.sources.get(origin.file)!,
    origin.path,
    {
      code: 'unsupported-field',
      message: `provider "${profile.name}" does not take ${field}`,
      expected: allowed.length > 0 ? `one of ${allowed.join(', ')}` : 'no fields beyond model, size and seconds',
      found: field,
      hint: `remove ${field}, or render with a provider that takes it (${builtinsTaking(field).join(', ')})`,
    },
    { key: true },
  );
}
