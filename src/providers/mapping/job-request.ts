import { modelOf, type ModelProfile, type ModelRequest, type ProviderProfile, type WireValue } from '../profile.js';

/**
 * What every protocol's mapping starts from: one resolved job, in the storyboard's terms, and the
 * model's request fields its size, duration and extra fields set (`ModelRequest`, held as data
 * in the profile). Each protocol's file then places them where its API wants them. Pure: the
 * image arrives as bytes (read by the caller), nothing is sent.
 */

/** An `input_reference` image as read from disk. */
export interface ImageInput {
  /** `image/png`, `image/jpeg` or `image/webp`. */
  readonly mimeType: string;
  readonly bytes: Uint8Array;
}

/** A job as the mapping needs it: the model resolved (the profile's default applied), `seconds` as written. */
export interface JobToMap {
  readonly prompt: string;
  readonly model: string;
  readonly size: string;
  readonly seconds: string;
  /** Extra request fields (`seed`, `negative_prompt`) with `seed: auto` already a number; null when none. */
  readonly extra: Readonly<Record<string, WireValue>> | null;
  readonly image: ImageInput | null;
}

/**
 * Why a job cannot be mapped: validation refuses each of these first, located; the mapping
 * refuses them again, as data, so that a caller that skipped validation sends nothing wrong.
 */
export interface MappingRefusal {
  readonly code: 'unknown-model' | 'unsupported-size' | 'unsupported-seconds' | 'image-unsupported' | 'field-unsupported';
  readonly message: string;
}

/** The model's fields for a job, before a protocol places them. */
export interface JobFields {
  readonly request: ModelRequest;
  readonly model: ModelProfile;
  /** Size, duration, extra and fixed fields, under the model's own names and types. */
  readonly fields: Readonly<Record<string, WireValue>>;
}

export function jobFieldsOf(profile: ProviderProfile, job: JobToMap): JobFields | { readonly refusal: MappingRefusal } {
  const refuse = (code: MappingRefusal['code'], message: string) => ({ refusal: { code, message } });
  const model = modelOf(profile, job.model);
  const request = model?.request;
  if (!model || !request) return refuse('unknown-model', `provider "${profile.name}" has no request mapping for model "${job.model}"`);
  const sizeFields = Object.hasOwn(request.sizeFields, job.size) ? request.sizeFields[job.size]! : undefined;
  if (!sizeFields) return refuse('unsupported-size', `${job.model} does not make ${job.size}; it makes ${Object.keys(request.sizeFields).join(', ')}`);
  const secondsFields = Object.hasOwn(request.secondsFields, job.seconds) ? request.secondsFields[job.seconds]! : undefined;
  const limited = model.secondsBySize?.[job.size];
  if (!secondsFields || (limited && !limited.includes(job.seconds))) {
    return refuse(
      'unsupported-seconds',
      `${job.model} does not make ${job.seconds} s at ${job.size}; it makes ${(limited ?? Object.keys(request.secondsFields)).join(', ')} s`,
    );
  }
  if (job.image && !request.image) return refuse('image-unsupported', `${job.model} takes no input_reference image`);
  const fields: Record<string, WireValue> = {};
  const omitted = job.image ? (request.image?.omitWithImage ?? []) : [];
  for (const [name, value] of Object.entries(sizeFields)) if (!omitted.includes(name)) fields[name] = value;
  Object.assign(fields, secondsFields);
  for (const [field, value] of Object.entries(job.extra ?? {})) {
    const name = (request.extraFields as Readonly<Record<string, string | undefined>>)[field];
    if (name === undefined) return refuse('field-unsupported', `${job.model} does not take ${field}`);
    fields[name] = value;
  }
  Object.assign(fields, request.fixedFields);
  return { request, model, fields };
}

/** `data:image/png;base64,…`: how fal and Replicate take a file inline. */
export function dataUrlOf(image: ImageInput): string {
  return `data:${image.mimeType};base64,${Buffer.from(image.bytes).toString('base64')}`;
}
