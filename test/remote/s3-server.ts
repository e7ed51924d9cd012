import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Starts s3rver (test/remote/s3-server-process.mjs) as a separate process on 127.0.0.1 at a free
 * port, with one bucket and one key pair; stopped by `stop()`. What it supports, as probed by
 * the tests: PUT/GET/HEAD/DELETE objects, multipart uploads, CopyObject, ListObjectsV2 with
 * StartAfter and continuation tokens (its tokens use DES, so the process runs with
 * `--openssl-legacy-provider`), SigV4 signatures checked against the key pair. What it lacks:
 * conditional writes (`If-None-Match`, `If-Match` on PUT are ignored: claims/probe tests show
 * shotlist refusing claims there), the SDK's default streaming checksum trailers (the S3 store
 * sends them only on AWS itself), and the trailing slash of a path-style bucket URL in its
 * signature check (patched in the server script).
 */

export interface S3TestServer {
  /** `http://127.0.0.1:<port>`: the value of AWS_ENDPOINT_URL_S3. */
  readonly endpoint: string;
  readonly bucket: string;
  /** Where s3rver keeps the objects (`<dir>/<bucket>/<key>._S3rver_object`). */
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const SCRIPT = path.join(import.meta.dirname, 's3-server-process.mjs');

/** `port`: 0 for a free one; a given port starts a server again where a test stopped one. */
export async function startS3Server(credentials: S3Credentials, bucket = 'shotlist-test', port = 0): Promise<S3TestServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', SCRIPT, dataDir, bucket], {
    env: {
      PATH: process.env['PATH'] ?? '',
      S3_TEST_PORT: String(port),
      S3_TEST_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_TEST_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let listening: number;
  try {
    listening = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`s3rver did not start within 20 s: ${stderr}`)), 20_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited with ${code}: ${stderr}`));
      });
    });
  } catch (error) {
    await stopChild(child);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${listening}`,
    bucket,
    dataDir,
    stop: async () => {
      await stopChild(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
