import type { EmulatorContext } from '../../context.js';
import { admitJob } from '../../commit-job.js';
import { jsonReply, type Reply } from '../../reply.js';
import { findJob, videoFileReply } from '../media-file.js';
import { parseJsonObject } from '../json.js';
import { headerValue, matchEntry, type Protocol, type ProtocolRequest, type RouteEntry } from '../protocol.js';
import { validateVeoCreate } from './create.js';
import { fromApiError, googleError, invalidArgument, unmatched } from './errors.js';
import { veoModel, VEO_MODELS } from './models.js';
import { fileExpiresMs, fileIdOf, operationName, operationOf } from './operation.js';
import { base36 } from '../../flavor.js';

/**
 * Google Veo through the Gemini API (reference gemini-veo.md): create with
 * `predictLongRunning`, poll the operation, download the file through a redirect. No list,
 * cancel or delete of operations exists, so none is served.
 */
const COLON = '(?::|%3[Aa])';

const ROUTES: readonly RouteEntry[] = [
  {
    method: 'POST',
    pattern: new RegExp(`^/v1beta/models/([^/:%]+)${COLON}predictLongRunning$`),
    params: ['model'],
    route: { label: 'POST /v1beta/models/{model}:predictLongRunning', faultClass: 'create', auth: true, handle: create },
  },
  {
    method: 'GET',
    pattern: /^\/v1beta\/models\/([^/:]+)\/operations\/([^/]+)$/,
    params: ['model', 'operation'],
    route: { label: 'GET /v1beta/models/{model}/operations/{id}', faultClass: 'retrieve', auth: true, handle: poll },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1beta/files/([a-z0-9]+)${COLON}download$`),
    params: ['file'],
    route: { label: 'GET /v1beta/files/{id}:download', faultClass: 'content', auth: true, handle: download },
  },
  {
    // The second hop: both need the key (reference §2, "both hops require the API key").
    method: 'GET',
    pattern: new RegExp(`^/download/v1beta/files/([a-z0-9]+)${COLON}download$`),
    params: ['file'],
    route: { label: 'GET /download/v1beta/files/{id}:download', faultClass: 'content', auth: true, handle: downloadTarget },
  },
];

export const geminiProtocol: Protocol = {
  match: (method, pathname) => matchEntry(ROUTES, method, pathname),
  unmatched,
  fromApiError,
  checkAuth,
};

/** `x-goog-api-key: <key>` or `?key=<key>`; the key is never echoed. */
function checkAuth(ctx: EmulatorContext, request: ProtocolRequest): void {
  const expected = ctx.settings.apiKey;
  if (expected === null) return;
  const given = headerValue(request.headers, 'x-goog-api-key') ?? request.url.searchParams.get('key') ?? undefined;
  if (given === undefined || given === '') {
    throw googleError(
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
  }
  if (given !== expected) throw googleError(403, 'API key not valid. Please pass a valid API key.');
}

async function create(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const modelId = request.params['model'] ?? '';
  const model = veoModel(modelId);
  if (model === null) {
    throw googleError(
      404,
      `models/${modelId} is not found for API version v1beta, or is not supported for predictLongRunning. Call ListModels to see the list of available models and their supported methods. Veo models: ${VEO_MODELS.map((each) => each.id).join(', ')}.`,
    );
  }
  const body = parseJsonObject(await request.readBody());
  if (body === null) throw invalidArgument('Invalid JSON payload received. Expected a JSON object.');
  const veo = validateVeoCreate(model, body, (uri) => videoByUri(ctx, uri));
  const moderation = ctx.faults.moderation(veo.job.prompt);
  if (moderation === 'block') {
    throw invalidArgument('The prompt could not be submitted. This prompt contains words that violate usage guidelines. Try rephrasing the prompt.');
  }
  if (veo.image) await ctx.media.keepInput(veo.image.sha256, veo.image.bytes);
  const admission = admitJob(ctx, 'create', { ...veo.job, wire: { fileId: base36(ctx.random(12), 12) } }, 'reject', moderation);
  if (admission.kind === 'drop' || admission.dropAfterCommit) return { kind: 'drop' };
  // The create answers with the name only, no `done` (reference §5).
  return jsonReply(200, { name: operationName(admission.job) });
}

async function poll(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const id = request.params['operation'] ?? '';
  const job = ctx.store.get(id);
  if (!job || job.model !== request.params['model']) throw googleError(404, `Operation models/${request.params['model']}/operations/${id} not found.`);
  return jsonReply(200, operationOf(ctx, job));
}

/** The file URI answers with a redirect to the download host (reference §2); the key is not put in the Location. */
async function download(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const fileId = liveFileId(ctx, request);
  return jsonReply(302, null, { location: `${ctx.origin()}/download/v1beta/files/${fileId}:download?alt=media` });
}

async function downloadTarget(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  liveFileId(ctx, request);
  const job = findJob(ctx, (each) => fileIdOf(each) === request.params['file']);
  return videoFileReply(ctx, job!);
}

/** A file that exists, is finished and has not passed its 2 days; `alt=media` asks for the bytes. */
function liveFileId(ctx: EmulatorContext, request: ProtocolRequest): string {
  const fileId = request.params['file'] ?? '';
  if (request.url.searchParams.get('alt') !== 'media') throw invalidArgument('Only alt=media downloads are served: add ?alt=media.');
  const job = findJob(ctx, (each) => fileIdOf(each) === fileId);
  const expiresMs = job === null ? null : fileExpiresMs(ctx, job);
  if (job === null || expiresMs === null || ctx.now() >= expiresMs) throw googleError(404, `File files/${fileId} not found.`);
  return fileId;
}

/** An extension's `video.uri`: the emulator's own file URI (or `files/{id}`), still stored. */
function videoByUri(ctx: EmulatorContext, uri: string): ReturnType<typeof findJob> {
  const fileId = /files\/([a-z0-9]+)/.exec(uri)?.[1];
  if (fileId === undefined) return null;
  const job = findJob(ctx, (each) => fileIdOf(each) === fileId);
  const expiresMs = job === null ? null : fileExpiresMs(ctx, job);
  return job !== null && expiresMs !== null && ctx.now() < expiresMs ? job : null;
}
