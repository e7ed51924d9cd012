import { ApiError } from './errors.js';
import type { RandomBytes } from './ids.js';

/**
 * Emulator flavors: the same job engine behind the documented differences of each backend
 * (reference §12 and §14), held as data so the handlers ask "does this server have a remix
 * route?" rather than "is this vLLM-Omni?". `openai` is the contract itself and the default.
 */

export type FlavorName = 'openai' | 'azure' | 'vllm-omni' | 'litellm' | 'gemini' | 'fal' | 'replicate';
export const FLAVOR_NAMES: readonly FlavorName[] = ['openai', 'azure', 'vllm-omni', 'litellm', 'gemini', 'fal', 'replicate'];

/**
 * The job API a flavor speaks: OpenAI's `/v1/videos` (with the variations below), or another
 * vendor's own protocol served by `protocols/<name>/` on the same jobs, media and faults. The
 * fields below the prefix describe `/v1/videos` servers only.
 */
export type ProtocolName = 'openai-videos' | 'gemini' | 'fal' | 'replicate';

export interface Flavor {
  readonly name: FlavorName;
  readonly protocol: ProtocolName;
  /** Where the API lives: `/v1`, Azure's `/openai/v1`, Gemini's `/v1beta`, or the root (fal's queue host). */
  readonly prefix: '/v1' | '/openai/v1' | '/v1beta' | '';
  /** Headers that carry the key: `Authorization: Bearer`, plus Azure's `api-key` or LiteLLM's `x-litellm-api-key`. */
  readonly keyHeader: 'api-key' | 'x-litellm-api-key' | null;
  /** Which bodies a create accepts. */
  readonly encodings: 'any' | 'multipart';
  /**
   * How a create is checked: the OpenAI contract (`sora`), Azure's deployments, vLLM-Omni's one
   * served model with any size, or LiteLLM's required routing key with any size.
   */
  readonly requests: 'sora' | 'azure' | 'vllm-omni' | 'litellm';
  /** The status string of a running job (`processing` on LiteLLM's Gemini/Vertex routes). */
  readonly runningStatus: 'in_progress' | 'processing';
  /** `percent`, or vLLM-Omni's 0 then 100. */
  readonly progress: 'percent' | 'binary';
  /** Status of a GET on a failed job, whose body is still the job (vLLM-Omni); `null`: 200. */
  readonly failedJobStatus: number | null;
  /** Content variants served; `variant` is ignored where there is only the MP4 and no such parameter. */
  readonly variants: readonly ('video' | 'thumbnail' | 'spritesheet')[];
  /** vLLM-Omni: 404 while running, 422 when failed. */
  readonly vllmContentErrors: boolean;
  readonly remix: boolean;
  /**
   * The March-2026 routes (reference §7, §14): `POST /videos/edits`, `POST /videos/extensions`,
   * `POST /videos/characters` and `GET /videos/characters/{id}`. OpenAI and LiteLLM serve them;
   * Azure (decision 14) and vLLM-Omni answer 404 as for any path they lack.
   */
  readonly edits: boolean;
  readonly extensions: boolean;
  readonly characters: boolean;
  /** `contract`: completed or failed jobs only; `cancel`: aborts queued or running jobs (vLLM-Omni); `none`: no route. */
  readonly delete: 'contract' | 'cancel' | 'none';
  /** `cursors`, vLLM-Omni's (no default limit, `has_more` only with a limit), or LiteLLM's (needs a provider hint). */
  readonly list: 'cursors' | 'whole-server' | 'needs-hint';
  /**
   * One job runs at a time; the rest wait in a FIFO queue that takes every create (vLLM-Omni).
   * `false`: jobs run side by side, and a create beyond the in-flight limit gets 429.
   */
  readonly serial: boolean;
  /** Creates per rolling minute before a 429 (Azure: 2); `null` for none. */
  readonly createsPerMinute: number | null;
  /** Jobs in flight at once unless `inFlightLimit` says otherwise: 2, Gemini's about 10 (a third party's figure). */
  readonly inFlightDefault: number;
  readonly errors: 'openai' | 'azure' | 'vllm-omni';
  /** `GET /v1/models` names the served models. */
  readonly modelsRoute: boolean;
  /** Finished jobs expire (24 h); vLLM-Omni keeps them in memory with `expires_at: null`. */
  readonly expires: boolean;
  newId(random: RandomBytes, context: { readonly model: string }): string;
  /** A character's id: `char_` + hex (decision 15); LiteLLM wraps it in its routing record. */
  newCharacterId(random: RandomBytes): string;
}

export const EXTRA_FIELD_TYPES: Readonly<Record<string, 'int' | 'number' | 'string'>> = {
  seed: 'int',
  num_frames: 'int',
  fps: 'int',
  negative_prompt: 'string',
  num_inference_steps: 'int',
  guidance_scale: 'number',
};

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const OPENAI: Flavor = {
  name: 'openai',
  protocol: 'openai-videos',
  prefix: '/v1',
  keyHeader: null,
  encodings: 'any',
  requests: 'sora',
  runningStatus: 'in_progress',
  progress: 'percent',
  failedJobStatus: null,
  variants: ['video', 'thumbnail', 'spritesheet'],
  vllmContentErrors: false,
  remix: true,
  edits: true,
  extensions: true,
  characters: true,
  delete: 'contract',
  list: 'cursors',
  serial: false,
  createsPerMinute: null,
  inFlightDefault: 2,
  errors: 'openai',
  modelsRoute: false,
  expires: true,
  // `video_` + 48 hex digits, as in OpenAI's examples.
  newId: (random) => `video_${hex(random(24))}`,
  // The spec's example is `char_123`; the length is the emulator's choice.
  newCharacterId: (random) => `char_${hex(random(16))}`,
};

const NO_2026_ROUTES = { edits: false, extensions: false, characters: false } as const;

const FLAVORS: Readonly<Record<FlavorName, Flavor>> = {
  openai: OPENAI,
  azure: {
    ...OPENAI,
    name: 'azure',
    prefix: '/openai/v1',
    keyHeader: 'api-key',
    requests: 'azure',
    variants: ['video', 'thumbnail'],
    ...NO_2026_ROUTES,
    createsPerMinute: 2,
    errors: 'azure',
    // Azure's examples carry 32 hex digits.
    newId: (random) => `video_${hex(random(16))}`,
  },
  'vllm-omni': {
    ...OPENAI,
    name: 'vllm-omni',
    encodings: 'multipart',
    requests: 'vllm-omni',
    progress: 'binary',
    failedJobStatus: 500,
    variants: ['video'],
    vllmContentErrors: true,
    remix: false,
    ...NO_2026_ROUTES,
    delete: 'cancel',
    list: 'whole-server',
    serial: true,
    errors: 'vllm-omni',
    modelsRoute: true,
    expires: false,
    newId: (random) => `video_gen_${hex(random(16))}`,
  },
  litellm: {
    ...OPENAI,
    name: 'litellm',
    keyHeader: 'x-litellm-api-key',
    requests: 'litellm',
    runningStatus: 'processing',
    variants: ['video'],
    delete: 'none',
    list: 'needs-hint',
    modelsRoute: true,
    // `video_` + standard base64 of the routing record, `=` padding kept: ids hold `+`, `/` and `=`.
    newId: (random, { model }) => {
      const raw = `litellm:custom_llm_provider:openai;model_id:${model};video_id:video_${hex(random(24))}`;
      return `video_${Buffer.from(raw.length % 3 === 0 ? `${raw};` : raw, 'utf8').toString('base64')}`;
    },
    // `character_` + base64 of the routing record around the upstream's `char_` id (reference §14).
    newCharacterId: (random) => {
      const raw = `litellm:custom_llm_provider:openai;model_id:;character_id:char_${hex(random(16))}`;
      return `character_${Buffer.from(raw, 'utf8').toString('base64')}`;
    },
  },
  // The three below answer through their protocol's own routes; the `/v1/videos` fields keep
  // the contract's values and are not read.
  gemini: {
    ...OPENAI,
    name: 'gemini',
    protocol: 'gemini',
    prefix: '/v1beta',
    // Preview models: 10 requests a minute and about 10 at once (third-party figures, reference §8).
    createsPerMinute: 10,
    inFlightDefault: 10,
    // An operation id: 12 lowercase letters and digits, as `321kvdcepmcg` in Google's recorded output.
    newId: (random) => base36(random(12), 12),
  },
  fal: {
    ...OPENAI,
    name: 'fal',
    protocol: 'fal',
    prefix: '',
    // fal request ids are UUIDs (v4 form).
    newId: (random) => uuidV4(random(16)),
  },
  replicate: {
    ...OPENAI,
    name: 'replicate',
    protocol: 'replicate',
    prefix: '/v1',
    // 600 creates a minute; no published limit on predictions at once (reference §8).
    createsPerMinute: 600,
    // 26 characters of lowercase base32, as `gm3qorzdhgbfurvjtvhg6dckhu`.
    newId: (random) => base32(random(16)).slice(0, 26),
  },
};

/** `length` characters of [a-z0-9], one per byte (the modulo bias does not matter for ids). */
export function base36(bytes: Uint8Array, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(bytes.subarray(0, length), (byte) => alphabet[byte % 36]).join('');
}

/** RFC 4648 base32 in lower case, no padding. */
export function base32(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

function uuidV4(bytes: Uint8Array): string {
  const b = Uint8Array.from(bytes);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function flavorNamed(name: string): Flavor {
  if (!Object.hasOwn(FLAVORS, name)) throw new RangeError(`unknown emulator flavor "${name}": expected one of ${FLAVOR_NAMES.join(', ')}`);
  return FLAVORS[name as FlavorName];
}

const REASON: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** The error body in the flavor's shape: OpenAI's envelope, Azure's `{error: {code, message}}`, or vLLM-Omni's (type = HTTP phrase, code = int). */
export function errorBody(flavor: Flavor, error: ApiError): unknown {
  if (flavor.errors === 'azure')
    return { error: { code: error.code ?? (error.status === 429 ? '429' : error.status === 404 ? '404' : error.type), message: error.message } };
  if (flavor.errors === 'vllm-omni')
    return { error: { message: error.message, type: REASON[error.status] ?? 'Error', param: error.param, code: error.status } };
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}
