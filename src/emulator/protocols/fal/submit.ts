import type { IncomingHttpHeaders } from 'node:http';
import type { JobRequest } from '../../commit-job.js';
import type { EmulatorContext } from '../../context.js';
import { base36 } from '../../flavor.js';
import { isObject, type JsonObject, type ReceivedImage } from '../json.js';
import { headerValue } from '../protocol.js';
import { detailError } from './errors.js';
import { validateInput } from './input-schema.js';
import { appPathOf, type FalEndpoint } from './models.js';
import type { FalWire } from './request-view.js';

/** A submit read: the job to queue, the images to keep for its render, and whether it will fail when it runs. */
export interface FalSubmit {
  job: JobRequest;
  images: ReceivedImage[];
  /** `fail-input`: the input breaks the model's schema; `fail`: moderation refuses it. Both show at the result as a 422. */
  failure: 'fail' | 'fail-input' | null;
}

/**
 * The queue takes any JSON object and validates it only when the model runs, so a bad input
 * still gets a request id and reaches COMPLETED, its 422 shown at the result (reference §4,
 * §7; when the real queue checks input is unverified). A body that is not JSON is refused
 * at once, as FastAPI does.
 */
export function submitRequest(ctx: EmulatorContext, endpoint: FalEndpoint, bytes: Buffer, headers: IncomingHttpHeaders, query: URLSearchParams): FalSubmit {
  const input = parseInput(bytes);
  const checked = validateInput(endpoint.schema, input);
  const firstImage = Object.values(checked.images)[0] ?? null;
  const valid = checked.detail.length === 0;
  const values = checked.values;
  const seed = endpoint.returnsSeed ? (typeof values['seed'] === 'number' ? values['seed'] : seedFrom(ctx)) : undefined;
  const lifecycle = lifecyclePreference(headers);
  const wire: FalWire = {
    endpointId: endpoint.id,
    appPath: appPathOf(endpoint.id),
    input,
    mediaToken: base36(ctx.random(20), 20),
    ...(lifecycle === undefined ? {} : { expirationSeconds: lifecycle }),
    ...(seed === undefined ? {} : { seed }),
    ...(valid ? {} : { rejection: checked.detail }),
    ...(query.get('fal_webhook') === null ? {} : { webhook: query.get('fal_webhook') }),
  };
  const extra: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(values))
    if (key !== 'prompt' && !key.includes('image')) extra[key] = typeof value === 'number' ? value : String(value);
  const prompt = typeof input['prompt'] === 'string' ? input['prompt'] : '';
  const moderation = valid ? ctx.faults.moderation(prompt) : null;
  return {
    job: {
      prompt,
      model: endpoint.id,
      size: valid ? endpoint.size(values, firstImage?.info ?? null) : '1280x720',
      seconds: valid ? endpoint.seconds(values) : '5',
      remixedFrom: null,
      inputReferenceSha256: firstImage?.sha256 ?? null,
      extra,
      wire: wire as unknown as Record<string, unknown>,
      ...(valid && !endpoint.audio(values) ? { audio: false } : {}),
    },
    images: Object.values(checked.images),
    // fal refuses content when the model runs: a "block" and a "fail" both end as the result's 422.
    failure: !valid ? 'fail-input' : moderation === null ? null : 'fail',
  };
}

function parseInput(bytes: Buffer): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(bytes.length === 0 ? '{}' : bytes.toString('utf8'));
  } catch (error) {
    throw detailError(422, [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: (error as Error).message } }]);
  }
  if (!isObject(value)) {
    throw detailError(422, [
      { type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: value },
    ]);
  }
  return value;
}

/**
 * `X-Fal-Object-Lifecycle-Preference: {"expiration_duration_seconds": N | null}`: seconds, null
 * for no expiry, undefined when absent or unreadable (the default then applies).
 */
function lifecyclePreference(headers: IncomingHttpHeaders): number | null | undefined {
  const raw = headerValue(headers, 'x-fal-object-lifecycle-preference');
  if (raw === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!isObject(parsed) || !('expiration_duration_seconds' in parsed)) return undefined;
    const seconds = parsed['expiration_duration_seconds'];
    if (seconds === null) return null;
    return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
  } catch {
    return undefined;
  }
}

function seedFrom(ctx: EmulatorContext): number {
  return Buffer.from(ctx.random(4)).readUInt32BE(0) % 2147483648;
}
