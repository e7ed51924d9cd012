import { modelOf, type ProviderProfile } from '../providers/profile.js';
import type { Issue } from '../source/issue.js';
import { secondsAtSizeIssue } from './model-request-issues.js';
import { truncate } from '../source/describe.js';
import type { FieldValue, ResolvedJob } from './job.js';
import type { RequestField } from './written.js';

/**
 * Request fields against the provider's model table: the model must be one it serves (or any,
 * for a server whose table is empty), and the size and seconds ones that model renders. Pure.
 */

/** A field the provider does not serve: where it was set (`null`: at the shot), and what to say. */
export interface UnservedField {
  readonly field: FieldValue | null;
  readonly issue: Pick<Issue, 'code' | 'message' | 'expected' | 'found' | 'hint'>;
}

/** What the provider would refuse among a job's model, size and seconds; empty when it serves them. */
export function unservedFields(profile: ProviderProfile, fields: Pick<ResolvedJob, 'model' | 'size' | 'seconds'>): UnservedField[] {
  const modelNames = Object.keys(profile.models);
  if (fields.model === null && profile.requiresModel === true) {
    return [
      {
        field: null,
        issue: {
          code: 'missing-model',
          message: `provider "${profile.name}" needs a model for every job`,
          expected: 'model: in the shot or in defaults',
          hint: `set defaults.model to a model the ${profile.name} server routes`,
        },
      },
    ];
  }
  if (fields.model === null || modelNames.length === 0) return [];
  const model = modelOf(profile, fields.model.value);
  if (!model) {
    return [
      {
        field: fields.model,
        issue: {
          code: 'unsupported-model',
          message: `model "${truncate(fields.model.value)}" is not served by provider "${profile.name}"`,
          expected: `one of ${modelNames.join(', ')}`,
          found: fields.model.value,
          hint: `provider "${profile.name}" serves ${modelNames.join(', ')}`,
        },
      },
    ];
  }
  const problems: UnservedField[] = [];
  if (model.sizes !== 'any' && !model.sizes.includes(fields.size.value)) {
    const others = modelNames.filter((name) => (profile.models[name]!.sizes as readonly string[]).includes(fields.size.value));
    problems.push({
      field: fields.size,
      issue: {
        code: 'unsupported-size',
        message: `expected one of ${model.sizes.join(', ')} for ${fields.model.value}, found ${fields.size.value}`,
        expected: model.sizes.join(', '),
        found: fields.size.value,
        hint:
          others.length > 0
            ? `${others.filter((o) => !o.includes('-20')).join(', ') || others.join(', ')} renders ${fields.size.value}`
            : `provider "${profile.name}" renders no model at ${fields.size.value}`,
      },
    });
  }
  if (model.seconds !== 'any' && !model.seconds.includes(fields.seconds.value)) {
    problems.push({
      field: fields.seconds,
      issue: {
        code: 'unsupported-seconds',
        message: `expected one of ${model.seconds.join(', ')} seconds for ${fields.model.value}, found ${fields.seconds.value}`,
        expected: model.seconds.join(', '),
        found: fields.seconds.value,
        hint: 'pick the nearest supported duration',
      },
    });
  }
  // Some models make a duration only at some sizes (Veo: 1080p is 8 s only).
  const atSize = problems.length === 0 ? secondsAtSizeIssue(profile, fields.model.value, model, fields.size.value, fields.seconds.value) : null;
  if (atSize) problems.push({ field: fields.seconds, issue: atSize.fields });
  return problems;
}

/** The value the server uses when a job sends none: its default model (`null`: none is sent), size and seconds. */
export function providerDefault(profile: ProviderProfile, field: RequestField): FieldValue | null {
  if (field === 'model') return profile.defaultModel === null ? null : { value: profile.defaultModel, origin: null };
  return { value: profile.defaults[field], origin: null };
}
