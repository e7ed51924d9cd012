import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as it left the client: what a backend's documentation is compared with. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as sent (percent-encoding kept). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A local HTTP proxy that records every request and forwards it to `target` (an emulator), so
 * a test sees the exact requests the CLI sends while a faithful server answers them.
 */
export async function startRecordingProxy(target: string): Promise<{ readonly origin: string; readonly requests: RecordedRequest[]; close(): Promise<void> }> {
  const targetOrigin = new URL(target).origin;
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined || name === 'host' || name === 'connection' || name === 'content-length' || name === 'transfer-encoding') continue;
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      fetch(`${targetOrigin}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body.length > 0 ? { body } : {}), redirect: 'manual' })
        .then(async (answer) => {
          const bytes = Buffer.from(await answer.arrayBuffer());
          const out: Record<string, string> = {};
          answer.headers.forEach((value, name) => {
            if (name !== 'content-encoding' && name !== 'transfer-encoding' && name !== 'connection' && name !== 'keep-alive') out[name] = value;
          });
          out['content-length'] = String(bytes.length);
          res.writeHead(answer.status, out);
          res.end(bytes);
        })
        .catch(() => res.socket?.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The fields of a recorded body: a multipart form (files as `{file: name}`) or a JSON object. */
export async function bodyFields(request: RecordedRequest): Promise<{ encoding: 'multipart' | 'json'; fields: Record<string, unknown> }> {
  const type = String(request.headers['content-type'] ?? '');
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://x/', { method: 'POST', headers: { 'content-type': type }, body: request.body }).formData();
    const fields: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) fields[key] = typeof value === 'string' ? value : { file: value.name, type: value.type };
    return { encoding: 'multipart', fields };
  }
  return { encoding: 'json', fields: JSON.parse(request.body.toString('utf8')) as Record<string, unknown> };
}
