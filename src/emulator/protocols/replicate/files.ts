import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { EmulatorContext } from '../../context.js';
import { jsonReply, type Reply } from '../../reply.js';
import { isUploadedFile, parseBody } from '../../request-body.js';
import { imageFromBytes, isoTime } from '../json.js';
import { headerValue, type ProtocolRequest } from '../protocol.js';
import { problem } from './errors.js';

/**
 * Replicate's Files API, as much of it as a client needs to send an input larger than a data:
 * URL should be (replicate.md §2: data URLs up to 256 kB): `POST /v1/files` with a multipart
 * `content` part answers the file with `urls.get`, which a prediction's input then names. The
 * file is kept by its sha256 (its id here), beside the other inputs. Field names follow
 * Replicate's API reference for `files.create` (id, name, content_type, size, checksums,
 * metadata, created_at, expires_at, urls.get); the 24 h expiry is unverified.
 */
const FILE_EXPIRY_MS = 24 * 3_600_000;

export async function createFile(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const body = await parseBody(headerValue(request.headers, 'content-type'), await request.readBody()).catch(() => null);
  const content = body?.encoding === 'form' ? body.fields['content'] : undefined;
  if (!isUploadedFile(content)) throw problem(400, 'Bad Request', 'Expected a multipart/form-data body with a "content" file part.');
  const sha256 = createHash('sha256').update(content.bytes).digest('hex');
  await ctx.media.keepInput(sha256, content.bytes);
  return jsonReply(201, fileObject(ctx, sha256, content.name, content.type || 'application/octet-stream', content.bytes.byteLength));
}

/** `GET /v1/files/{id}`: the file's record, read back from what was kept. */
export async function getFile(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const id = request.params['id'] ?? '';
  const path = /^[0-9a-f]{64}$/.test(id) ? ctx.media.inputFor(id) : null;
  if (path === null) throw problem(404, 'Not found', 'The requested resource could not be found.');
  const bytes = await readFile(path);
  const image = imageFromBytes(new Uint8Array(bytes));
  return jsonReply(200, fileObject(ctx, id, 'input', image ? image.info.format : 'application/octet-stream', bytes.byteLength));
}

function fileObject(ctx: EmulatorContext, sha256: string, name: string, contentType: string, size: number): Record<string, unknown> {
  const now = ctx.now();
  return {
    id: sha256,
    name,
    content_type: contentType,
    size,
    etag: `"${sha256.slice(0, 32)}"`,
    checksums: { sha256 },
    metadata: {},
    created_at: isoTime(now),
    expires_at: isoTime(now + FILE_EXPIRY_MS),
    urls: { get: `${ctx.origin()}/v1/files/${sha256}` },
  };
}
