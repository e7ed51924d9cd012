import type { IncomingHttpHeaders } from 'node:http';
import type { JobRequest } from '../../commit-job.js';
import type { EmulatorContext } from '../../context.js';
import { base36 } from '../../flavor.js';
import { parseJsonObject, type JsonObject, type ReceivedImage } from '../json.js';
import { headerValue } from '../protocol.js';
import { problem } from './errors.js';
import { checkInput, detailOf } from './input-validation.js';
import { modelByVersionId, replicateModel, type ReplicateModel } from './models.js';
import type { ReplicateWire } from './prediction.js';

export interface ReplicateCreate {
  job: JobRequest;
  images: ReceivedImage[];
  failure: 'fail' | 'fail-input' | null;
  /** `Prefer: wait[=n]`: seconds to hold the answer for a finished prediction; null without the header. */
  waitSeconds: number | null;
}

const EVENTS = ['start', 'output', 'logs', 'completed'];
const MAX_WAIT_SECONDS = 60;
const MAX_CANCEL_AFTER_MS = 24 * 3_600_000;

/** `POST /v1/predictions`'s `version`: `owner/name`, `owner/name:<64 hex>`, or the bare 64-hex id (reference §2). */
export function modelFromVersion(version: unknown): ReplicateModel {
  if (typeof version !== 'string' || version === '') {
    throw problem(422, 'Input validation failed', '- version: version is required\n', {
      invalid_fields: [{ type: 'required', field: 'version', description: 'version is required' }],
    });
  }
  const match = /^([^/:]+\/[^/:]+)(?::([0-9a-f]{64}))?$/.exec(version);
  const model = match ? replicateModel(match[1]!) : /^[0-9a-f]{64}$/.test(version) ? modelByVersionId(version) : null;
  if (model === null || (match?.[2] !== undefined && modelByVersionId(match[2]) !== model)) {
    throw problem(422, 'Invalid version or not permitted', "The specified version does not exist (or perhaps you don't have permission to use it?)");
  }
  return model;
}

/** The body of either create form: `input` checked against the model, `webhook` kept; and the two headers. */
export function readCreate(ctx: EmulatorContext, model: ReplicateModel, parsed: JsonObject, headers: IncomingHttpHeaders): ReplicateCreate {
  const checked = checkInput(model, parsed['input']);
  if (checked.invalid.length > 0) {
    throw problem(422, 'Input validation failed', detailOf(checked.invalid), { invalid_fields: checked.invalid });
  }
  const wire: ReplicateWire = { input: parsed['input'] as Record<string, unknown>, deliveryToken: base36(ctx.random(24), 24), ...webhookOf(parsed) };
  const values = checked.values;
  const runtimeError = model.runtimeRule(values);
  if (runtimeError !== null) wire.runtimeError = runtimeError;
  const firstImage = model.followsImage === null ? null : (checked.images[model.followsImage] ?? null);
  const extra: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key !== 'prompt' && model.properties[key]?.type !== 'uri' && model.properties[key]?.type !== 'uris')
      extra[key] = typeof value === 'number' ? value : String(value);
  }
  const prompt = String(values['prompt'] ?? '');
  const nowMs = ctx.now();
  const cancelAfterMs = cancelAfter(headers);
  return {
    job: {
      prompt,
      model: model.name,
      size: model.size(values, firstImage?.info ?? null),
      seconds: String(values['duration']),
      remixedFrom: null,
      inputReferenceSha256: Object.values(checked.images)[0]?.sha256 ?? null,
      extra,
      wire: wire as unknown as Record<string, unknown>,
      // The deadline runs on the emulator's scaled timeline, like the job's own durations.
      ...(cancelAfterMs === null ? {} : { deadlineMs: nowMs + Math.max(1, Math.round(cancelAfterMs / ctx.settings.speed)) }),
      ...(model.audio(values) ? {} : { audio: false }),
    },
    images: Object.values(checked.images),
    // Refusals are not HTTP errors on Replicate: the prediction fails (reference §7).
    failure: runtimeError !== null ? 'fail-input' : ctx.faults.moderation(prompt) === null ? null : 'fail',
    waitSeconds: preferWait(headers),
  };
}

export function parseBody(bytes: Buffer): JsonObject {
  const body = parseJsonObject(bytes);
  if (body === null) throw problem(400, 'Invalid JSON', 'The request body must be a JSON object.');
  return body;
}

function webhookOf(body: JsonObject): Pick<ReplicateWire, 'webhook' | 'webhookEventsFilter'> {
  const webhook = body['webhook'];
  const filter = body['webhook_events_filter'];
  if (webhook !== undefined && (typeof webhook !== 'string' || !/^https?:\/\/\S+$/.test(webhook))) {
    throw problem(422, 'Input validation failed', "- webhook: Does not match format 'uri'\n", {
      invalid_fields: [{ type: 'format', field: 'webhook', description: "Does not match format 'uri'" }],
    });
  }
  if (filter !== undefined && !(Array.isArray(filter) && filter.every((each) => EVENTS.includes(String(each))))) {
    const description = `webhook_events_filter items must be one of the following: ${EVENTS.map((each) => `"${each}"`).join(', ')}`;
    throw problem(422, 'Input validation failed', `- webhook_events_filter: ${description}\n`, {
      invalid_fields: [{ type: 'enum', field: 'webhook_events_filter', description }],
    });
  }
  return { ...(webhook === undefined ? {} : { webhook: webhook as string }), ...(filter === undefined ? {} : { webhookEventsFilter: filter as string[] }) };
}

/** `Prefer: wait` holds up to 60 s; `wait=n` n seconds, clamped to 1..60 (the bound is unverified). */
function preferWait(headers: IncomingHttpHeaders): number | null {
  const prefer = headerValue(headers, 'prefer');
  if (prefer === undefined) return null;
  const match = /(?:^|[,;\s])wait(?:=(\d+))?(?:$|[,;\s])/.exec(prefer);
  if (!match) return null;
  return match[1] === undefined ? MAX_WAIT_SECONDS : Math.min(MAX_WAIT_SECONDS, Math.max(1, Number(match[1])));
}

/**
 * `Cancel-After: 1m`: a Go-style duration (`90s`, `1m30s`, `2h`) or bare seconds, at most 24 h.
 * The grammar and bounds are unverified (reference §3).
 */
function cancelAfter(headers: IncomingHttpHeaders): number | null {
  const raw = headerValue(headers, 'cancel-after');
  if (raw === undefined) return null;
  const text = raw.trim();
  let ms = Number.NaN;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else if (/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) {
    const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    ms = 0;
    for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(part[1]) * unit[part[2]!]!;
  }
  if (!(ms > 0) || ms > MAX_CANCEL_AFTER_MS) {
    throw problem(
      400,
      'Invalid Cancel-After header',
      `Cancel-After must be a duration such as "30s", "5m" or "1h", more than 0 and at most 24h; got "${raw}".`,
    );
  }
  return ms;
}
