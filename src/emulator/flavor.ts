import { ApiError } from './errors.js';
import type { RandomBytes } from './ids.js';

/**
 * Emulator flavors: the same job engine behind the documented differences of each backend
 * (reference §12 and §14), held as data so the handlers ask "does this server have a remix
 * route?" rather than "is this vLLM-Omni?". `openai` is the contract itself and the default.
 */

export type FlavorName = 'openai' | 'azure' | 'vllm-omni' | 'litellm';
export const FLAVOR_NAMES: readonly FlavorName[] = ['openai', 'azure', 'vllm-omni', 'litellm'];

export interface Flavor {
  readonly name: FlavorName;
  /** Where the API lives: `/v1`, or Azure's `/openai/v1`. */
  readonly prefix: '/v1' | '/openai/v1';
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
  readonly errors: 'openai' | 'azure' | 'vllm-omni';
  /** `GET /v1/models` names the served models. */
  readonly modelsRoute: boolean;
  /** Finished jobs expire (24 h); vLLM-Omni keeps them in memory with `expires_at: null`. */
  readonly expires: boolean;
  newId(random: RandomBytes, context: { readonly model: string }): string;
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
  delete: 'contract',
  list: 'cursors',
  serial: false,
  createsPerMinute: null,
  errors: 'openai',
  modelsRoute: false,
  expires: true,
  // `video_` + 48 hex digits, as in OpenAI's examples.
  newId: (random) => `video_${hex(random(24))}`,
};

const FLAVORS: Readonly<Record<FlavorName, Flavor>> = {
  openai: OPENAI,
  azure: {
    ...OPENAI,
    name: 'azure',
    prefix: '/openai/v1',
    keyHeader: 'api-key',
    requests: 'azure',
    variants: ['video', 'thumbnail'],
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
  },
};

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
  if (flavor.errors === 'azure') return { error: { code: error.code ?? (error.status === 429 ? '429' : error.status === 404 ? '404' : error.type), message: error.message } };
  if (flavor.errors === 'vllm-omni') return { error: { message: error.message, type: REASON[error.status] ?? 'Error', param: error.param, code: error.status } };
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}
