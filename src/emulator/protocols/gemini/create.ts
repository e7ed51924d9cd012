import type { JobRequest } from '../../commit-job.js';
import type { JobRecord } from '../../job.js';
import { imageFromBase64, isObject, type JsonObject, type ReceivedImage } from '../json.js';
import { invalidArgument } from './errors.js';
import { ASPECT_RATIOS, DEFAULT_DURATION, EXTENSION_SECONDS, MAX_EXTENSION_SOURCE_SECONDS, personGenerationValues, sizeFor, type VeoModel } from './models.js';

/** A validated `predictLongRunning`: the job to create, and the first-frame image to keep for its render. */
export interface VeoCreate {
  readonly job: JobRequest;
  readonly image: ReceivedImage | null;
  /** The file id of the video to extend, when `instances[0].video` names one. */
  readonly extendsFileId: string | null;
}

const TOP_LEVEL = ['instances', 'parameters', 'webhookConfig'];
const INSTANCE_FIELDS = ['prompt', 'image', 'lastFrame', 'referenceImages', 'video'];
const PARAMETER_FIELDS = ['aspectRatio', 'resolution', 'durationSeconds', 'negativePrompt', 'personGeneration', 'sampleCount', 'enhancePrompt', 'seed'];
const MIME_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

/**
 * Checks a create body against the model's row of reference §4, in the order a reader meets the
 * fields, and throws the first problem as a 400 INVALID_ARGUMENT. `findVideo` resolves an
 * extension's `video.uri` to the emulator's own job (null when it is not one of its files).
 */
export function validateVeoCreate(model: VeoModel, body: JsonObject, findVideo: (uri: string) => JobRecord | null): VeoCreate {
  const unknownTop = Object.keys(body).find((key) => !TOP_LEVEL.includes(key));
  if (unknownTop !== undefined) throw invalidArgument(`Invalid JSON payload received. Unknown name "${unknownTop}": Cannot find field.`);
  const instances = body['instances'];
  if (!Array.isArray(instances) || instances.length !== 1 || !isObject(instances[0])) {
    throw invalidArgument('instances must hold exactly one instance (an object with a prompt).');
  }
  const instance = instances[0];
  const parameters = body['parameters'] === undefined ? {} : body['parameters'];
  if (!isObject(parameters)) throw invalidArgument("Invalid value at 'parameters': expected an object.");
  rejectUnknown(instance, INSTANCE_FIELDS);
  rejectUnknown(parameters, PARAMETER_FIELDS);

  const image = optionalImage(instance['image'], 'image');
  const lastFrame = optionalImage(instance['lastFrame'], 'lastFrame');
  const references = referenceImages(model, instance['referenceImages']);
  const source = extensionSource(model, instance['video'], findVideo);
  const prompt = instance['prompt'];
  if (prompt !== undefined && typeof prompt !== 'string') throw invalidArgument("Invalid value at 'instances[0].prompt' (TYPE_STRING).");
  if ((prompt === undefined || prompt === '') && image === null && source === null) {
    throw invalidArgument('A prompt is required: instances[0].prompt is empty and no image or video was given.');
  }
  if (lastFrame !== null && !model.interpolation) throw invalidArgument(`lastFrame isn't supported by ${model.id}.`);
  if (lastFrame !== null && image === null) throw invalidArgument('lastFrame needs a first frame: set instances[0].image too.');

  const aspectRatio = enumValue(parameters['aspectRatio'], 'aspectRatio', ASPECT_RATIOS, '16:9');
  const resolution = enumValue(parameters['resolution'], 'resolution', model.resolutions, '720p');
  const duration = durationSeconds(model, parameters['durationSeconds']);
  const needsEight =
    lastFrame !== null ? 'interpolation (lastFrame)' : references.length > 0 ? 'referenceImages' : source !== null ? 'extension (video)' : null;
  if (needsEight !== null && duration !== 8) throw invalidArgument(`durationSeconds must be 8 with ${needsEight}; got ${duration}.`);
  if (model.generation === '3.1' && resolution !== '720p' && duration !== 8) {
    throw invalidArgument(`${resolution} for resolution is currently not supported with durationSeconds ${duration}: ${resolution} needs durationSeconds 8.`);
  }
  if (model.generation === '3' && resolution === '1080p' && aspectRatio !== '16:9') {
    throw invalidArgument(`1080p for resolution is currently not supported with aspectRatio ${aspectRatio}: 1080p needs 16:9.`);
  }
  if (references.length > 0 && aspectRatio !== '16:9') throw invalidArgument(`referenceImages need aspectRatio 16:9; got ${aspectRatio}.`);
  if (source !== null && resolution !== '720p') throw invalidArgument(`Extension makes 720p videos only; got resolution ${resolution}.`);
  const fromImage = image !== null || references.length > 0;
  const person = optionalEnum(parameters['personGeneration'], 'personGeneration', personGenerationValues(model, fromImage));
  const negativePrompt = optionalString(parameters['negativePrompt'], 'parameters.negativePrompt');
  checkSampleCount(parameters['sampleCount']);
  const enhance = parameters['enhancePrompt'];
  if (enhance !== undefined && typeof enhance !== 'boolean') throw invalidArgument("Invalid value at 'parameters.enhancePrompt' (TYPE_BOOL).");
  const seed = parameters['seed'];
  // Accepted and ignored: the SDK refuses to send it, the docs say Veo 3 takes it (reference §3).
  if (seed !== undefined && !(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= 4294967295)) {
    throw invalidArgument("Invalid value at 'parameters.seed' (TYPE_UINT32).");
  }

  const size = source === null ? sizeFor(resolution, aspectRatio) : source.size;
  const seconds = source === null ? String(duration) : String(Number(source.seconds) + EXTENSION_SECONDS);
  const extra: Record<string, string | number> = { aspectRatio, resolution };
  if (person !== null) extra['personGeneration'] = person;
  if (negativePrompt !== null) extra['negativePrompt'] = negativePrompt;
  if (enhance !== undefined) extra['enhancePrompt'] = String(enhance);
  if (lastFrame !== null) extra['lastFrame'] = lastFrame.sha256;
  if (references.length > 0) extra['referenceImages'] = references.map((each) => each.sha256).join(',');
  return {
    job: {
      prompt: typeof prompt === 'string' ? prompt : '',
      model: model.id,
      size,
      seconds,
      remixedFrom: source?.id ?? null,
      inputReferenceSha256: image?.sha256 ?? null,
      extra,
      ...(model.audio ? {} : { audio: false }),
    },
    image,
    extendsFileId: source === null ? null : String(source.wire?.['fileId'] ?? ''),
  };
}

function rejectUnknown(object: JsonObject, allowed: readonly string[]): void {
  const unknown = Object.keys(object).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw invalidArgument(`\`${unknown}\` isn't supported by this model.`);
}

function enumValue(value: unknown, param: string, allowed: readonly string[], fallback: string): string {
  return optionalEnum(value, param, allowed) ?? fallback;
}

/** `allow_adult for personGeneration is currently not supported.` is Google's own sentence (reference §4); the list after it is the emulator's. */
function optionalEnum(value: unknown, param: string, allowed: readonly string[]): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string') throw invalidArgument(`Invalid value at 'parameters.${param}' (TYPE_STRING).`);
  if (!allowed.includes(value)) {
    throw invalidArgument(`${value} for ${param} is currently not supported. Supported values: ${allowed.join(', ')}.`);
  }
  return value;
}

function optionalString(value: unknown, path: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string') throw invalidArgument(`Invalid value at '${path}' (TYPE_STRING).`);
  return value;
}

/** A number (the SDK's type) or a string of one (the docs' tables), among the model's values. */
function durationSeconds(model: VeoModel, value: unknown): number {
  if (value === undefined) return DEFAULT_DURATION;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || !model.durations.includes(n)) {
    throw invalidArgument(`${String(value)} for durationSeconds is currently not supported. Supported values: ${model.durations.join(', ')}.`);
  }
  return n;
}

/** Veo gives one video per request on the Gemini API (cookbook "always a single shot"). */
function checkSampleCount(value: unknown): void {
  if (value === undefined || value === 1) return;
  throw invalidArgument(`${String(value)} for sampleCount is currently not supported. Supported values: 1.`);
}

/** `{bytesBase64Encoded, mimeType}`: a JPEG, PNG or WebP whose bytes say what `mimeType` says. `gcsUri` is Vertex's. */
function optionalImage(value: unknown, field: string): ReceivedImage | null {
  if (value === undefined) return null;
  const path = `instances[0].${field}`;
  if (!isObject(value)) throw invalidArgument(`Invalid value at '${path}': expected an image object.`);
  if (value['gcsUri'] !== undefined) throw invalidArgument(`${path}.gcsUri is not supported by the Gemini API: send bytesBase64Encoded.`);
  const unknown = Object.keys(value).find((key) => key !== 'bytesBase64Encoded' && key !== 'mimeType');
  if (unknown !== undefined) throw invalidArgument(`Invalid JSON payload received. Unknown name "${unknown}" at '${path}': Cannot find field.`);
  const { bytesBase64Encoded: data, mimeType } = value;
  if (typeof data !== 'string') throw invalidArgument(`${path}.bytesBase64Encoded is required.`);
  if (typeof mimeType !== 'string' || !MIME_TYPES.includes(mimeType)) {
    throw invalidArgument(`${path}.mimeType must be one of ${MIME_TYPES.join(', ')}; got ${JSON.stringify(mimeType ?? null)}.`);
  }
  const image = imageFromBase64(data);
  if (image === null) throw invalidArgument(`${path}.bytesBase64Encoded is not a base64-encoded JPEG, PNG or WebP image.`);
  if (image.info.format !== mimeType) throw invalidArgument(`${path}.mimeType is ${mimeType} but the bytes are ${image.info.format}.`);
  return image;
}

function referenceImages(model: VeoModel, value: unknown): ReceivedImage[] {
  if (value === undefined) return [];
  if (!model.referenceImages) throw invalidArgument(`referenceImages isn't supported by ${model.id}.`);
  if (!Array.isArray(value) || value.length < 1 || value.length > 3) throw invalidArgument('referenceImages must hold 1 to 3 images.');
  return value.map((item, index) => {
    if (!isObject(item)) throw invalidArgument(`Invalid value at 'instances[0].referenceImages[${index}]': expected an object.`);
    const type = item['referenceType'];
    if (type !== undefined && !['asset', 'style', 'ASSET', 'STYLE'].includes(String(type))) {
      throw invalidArgument(`${String(type)} for referenceType is currently not supported. Supported values: asset, style.`);
    }
    const image = optionalImage(item['image'], `referenceImages[${index}].image`);
    if (image === null) throw invalidArgument(`instances[0].referenceImages[${index}].image is required.`);
    return image;
  });
}

/** An extension's source: one of this server's videos, 720p, at most 141 s (reference §4). */
function extensionSource(model: VeoModel, value: unknown, findVideo: (uri: string) => JobRecord | null): JobRecord | null {
  if (value === undefined) return null;
  if (!model.extension) throw invalidArgument(`video (extension) isn't supported by ${model.id}.`);
  if (!isObject(value) || typeof value['uri'] !== 'string') {
    throw invalidArgument('instances[0].video.uri is required: the Gemini API extends only a video it generated, named by its uri.');
  }
  const source = findVideo(value['uri']);
  if (source === null) throw invalidArgument(`instances[0].video.uri does not name a video generated by Veo that is still stored: ${value['uri']}`);
  const [width, height] = source.size.split('x').map(Number);
  if (Math.min(width ?? 0, height ?? 0) !== 720) throw invalidArgument('Only 720p videos can be extended.');
  if (Number(source.seconds) > MAX_EXTENSION_SOURCE_SECONDS) throw invalidArgument(`Only videos of at most ${MAX_EXTENSION_SOURCE_SECONDS} s can be extended.`);
  return source;
}
