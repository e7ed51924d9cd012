import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP gateway in front of the S3 test server, on 127.0.0.1 at a free port. It forwards
 * every request byte for byte (Host header included, so SigV4 signatures still verify upstream)
 * and records what the client sent, so tests can check the request shape shotlist's S3 store
 * produces with the real SDK. With `enforce`, it also gives the upstream what s3rver lacks and
 * AWS S3 has had since 2024: conditional PUTs and DELETEs. Per key, one request at a time, it
 * tracks the ETag of each object written through it and answers 412 PreconditionFailed (with
 * S3's XML error) to an `If-None-Match: *` on an existing key or an `If-Match` naming another
 * ETag, as S3 does; everything else goes to s3rver.
 */

export interface SeenRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly status: number;
}

export interface Gateway {
  readonly endpoint: string;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startGateway(upstream: string, options: { readonly enforce: boolean }): Promise<Gateway> {
  const target = new URL(upstream);
  const seen: SeenRequest[] = [];
  const etags = new Map<string, string>();
  const queues = new Map<string, Promise<void>>();

  const server = createServer((req, res) => {
    const key = (req.url ?? '').split('?')[0]!;
    const run = async (): Promise<void> => {
      const method = req.method ?? '';
      const current = etags.get(key);
      const ifNoneMatch = req.headers['if-none-match'];
      const ifMatch = req.headers['if-match'];
      const conditional = options.enforce && (method === 'PUT' || method === 'DELETE');
      const fails = conditional && ((ifNoneMatch === '*' && current !== undefined) || (ifMatch !== undefined && ifMatch !== current));
      if (fails) {
        req.resume();
        await new Promise<void>((resolve) => req.once('end', resolve));
        const body =
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-Match</Condition></Error>';
        res.writeHead(412, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        seen.push({ method, url: req.url ?? '', headers: req.headers, status: 412 });
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const upstreamReq = request({ host: target.hostname, port: target.port, method, path: req.url, headers: req.headers }, (upstreamRes) => {
          const status = upstreamRes.statusCode ?? 502;
          if (conditional && status < 300) {
            if (method === 'DELETE') etags.delete(key);
            else if (upstreamRes.headers.etag !== undefined) etags.set(key, upstreamRes.headers.etag);
          }
          seen.push({ method, url: req.url ?? '', headers: req.headers, status });
          res.writeHead(status, upstreamRes.headers);
          upstreamRes.pipe(res);
          upstreamRes.once('end', resolve);
          upstreamRes.once('error', reject);
          // A client that stops reading (a bounded read) ends the exchange too.
          res.once('close', () => {
            upstreamRes.destroy();
            resolve();
          });
        });
        upstreamReq.once('error', reject);
        req.pipe(upstreamReq);
      });
    };
    // One request per key at a time: the check and the write are one step, as on S3.
    const previous = queues.get(key) ?? Promise.resolve();
    const next = previous.then(run).catch(() => {
      res.destroy();
    });
    queues.set(key, next);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
