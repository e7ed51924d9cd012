import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/**
 * A local proxy in front of an emulator that turns chosen routes hostile, while every other
 * request reaches the faithful server: a video's content as a body far larger than any video
 * of its length, or a list of videos that never ends (`has_more` with a new cursor every page).
 */

export interface HostileOptions {
  /** `GET …/content?variant=video` answers an MP4 head and then this many bytes, unannounced. */
  readonly videoBytes?: number;
  /** `GET /v1/videos` (the list) never ends: one new video a page, always `has_more`. */
  readonly endlessList?: boolean;
}

export interface HostileProxy {
  /** `http://127.0.0.1:<port>/v1` */
  readonly url: string;
  /** Requests seen, by method and path (without the query). */
  readonly seen: { readonly method: string; readonly path: string }[];
  close(): Promise<void>;
}

const MP4_HEAD = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42isom')]);

export async function startHostileProxy(target: string, options: HostileOptions): Promise<HostileProxy> {
  const targetOrigin = new URL(target).origin;
  const seen: { method: string; path: string }[] = [];
  let pages = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    seen.push({ method: req.method ?? 'GET', path: url.pathname });
    res.on('error', () => undefined);
    if (options.videoBytes !== undefined && req.method === 'GET' && url.pathname.endsWith('/content') && url.searchParams.get('variant') === 'video') {
      sendEndlessBody(res, options.videoBytes);
      return;
    }
    if (options.endlessList && req.method === 'GET' && url.pathname === '/v1/videos') {
      const n = pages++;
      // Created in the future, so that a search for recent videos never stops paging on its own.
      const video = {
        id: `video_endless_${n}`,
        object: 'video',
        model: 'sora-2',
        status: 'completed',
        progress: 100,
        created_at: Math.floor(Date.now() / 1000) + 3600,
        completed_at: null,
        expires_at: null,
        prompt: `someone else's video ${n}`,
        size: '1280x720',
        seconds: '4',
        remixed_from_video_id: null,
        error: null,
      };
      const body = JSON.stringify({ object: 'list', data: [video], first_id: video.id, last_id: video.id, has_more: true });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    forward(req, res, targetOrigin);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An MP4 head, then `bytes` zero bytes in 64 KiB chunks with backpressure, no Content-Length. */
function sendEndlessBody(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'video/mp4' });
  res.write(MP4_HEAD);
  const chunk = Buffer.alloc(64 * 1024);
  let sent = 0;
  const pump = (): void => {
    while (sent < bytes && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

function forward(req: IncomingMessage, res: ServerResponse, targetOrigin: string): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || ['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const body = Buffer.concat(chunks);
    fetch(`${targetOrigin}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body.length > 0 ? { body } : {}), redirect: 'manual' })
      .then((answer) => {
        const out: Record<string, string> = {};
        answer.headers.forEach((value, name) => {
          if (!['content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'content-length'].includes(name)) out[name] = value;
        });
        res.writeHead(answer.status, out);
        if (answer.body) Readable.fromWeb(answer.body as import('node:stream/web').ReadableStream).pipe(res);
        else res.end();
      })
      .catch(() => res.socket?.destroy());
  });
}
