import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVideosClient, type RetryInfo, type VideosClient, type VideosClientOptions } from '../../src/api/index.js';
import { emulatorProfile } from '../../src/providers/builtin.js';

/** A request as the scripted server saw it. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** `n` counts requests from 0, so a handler can script a sequence of answers. */
export type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen, n: number) => void | Promise<void>;

export interface TestServer {
  /** `http://127.0.0.1:<port>/v1` */
  readonly baseUrl: string;
  readonly origin: string;
  readonly port: number;
  readonly seen: Seen[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 with a free port; each request's body is read before the handler runs. */
export async function startServer(handler: Handler, port = 0): Promise<TestServer> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      const n = seen.push(s) - 1;
      Promise.resolve(handler(req, res, s, n)).catch((error: unknown) => {
        res.destroy(error as Error);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${actual}/v1`,
    origin: `http://127.0.0.1:${actual}`,
    port: actual,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function errorBody(message: string, type: string, code: string | number | null, param: string | null = null): unknown {
  return { error: { message, type, param, code } };
}

/** A Video as OpenAI's contract writes it, with every key. */
export function wireVideo(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'video_abc123',
    object: 'video',
    model: 'sora-2',
    status: 'queued',
    progress: 0,
    created_at: 1_758_941_485,
    completed_at: null,
    expires_at: null,
    prompt: 'a mug on a counter',
    size: '1280x720',
    seconds: '8',
    remixed_from_video_id: null,
    error: null,
    ...overrides,
  };
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const s = await startServer(() => undefined);
  await s.close();
  return s.port;
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** A scripted server and a client pointed at it, with the client's sleeps and retries recorded. */
export interface Harness {
  readonly server: TestServer;
  readonly client: VideosClient;
  readonly sleeps: number[];
  readonly retries: RetryInfo[];
}

/**
 * The servers and clients one test file opens: `harness` makes a pair whose client never waits
 * for real (sleeps are recorded, jitter is 0); `closeAll` ends them all after each test.
 */
export function createFixtures(apiKey: string) {
  const servers: TestServer[] = [];
  const clients: VideosClient[] = [];
  return {
    servers,
    clients,
    async harness(handler: Handler, opts: Partial<VideosClientOptions> = {}): Promise<Harness> {
      const server = await startServer(handler);
      servers.push(server);
      const sleeps: number[] = [];
      const retries: RetryInfo[] = [];
      const client = createVideosClient({
        profile: emulatorProfile,
        baseUrl: server.baseUrl,
        apiKey,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        random: () => 0,
        onRetry: (info) => retries.push(info),
        ...opts,
      });
      clients.push(client);
      return { server, client, sleeps, retries };
    },
    async closeAll(): Promise<void> {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await Promise.all(servers.splice(0).map((s) => s.close()));
    },
  };
}
