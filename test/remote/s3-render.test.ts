import { copyFile, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExamples, runCli } from '../helpers/cli.js';
import { lockPathOf, readLock, renderProject, renderWith, startRenderEmulator } from '../render/helpers.js';
import { startGateway, type Gateway } from './conditional-gateway.js';
import { useS3Environment } from './s3-env.js';
import { startS3Server, type S3TestServer } from './s3-server.js';

/**
 * `render` with an `s3://` remote through the real AWS SDK, against an S3-compatible server run
 * as a separate process: write-through and read-through as with a directory. s3rver does not
 * honour conditional writes, so a render there says it renders without team claims (and still
 * shares every file); through a gateway that adds them, as S3, R2 and MinIO do, claims are
 * written with `If-None-Match: *`. No credential reaches the output.
 */

const CREDENTIALS = { accessKeyId: 'AKIASHOTLISTRENDER01', secretAccessKey: 'shotlist-s3-render-secret-5d2f' };
const FILE = 'quickstart.yaml';

let server: S3TestServer;
let gateway: Gateway;
let restoreEnv: () => void;

beforeAll(async () => {
  restoreEnv = useS3Environment(CREDENTIALS);
  server = await startS3Server(CREDENTIALS);
  gateway = await startGateway(server.endpoint, { enforce: true });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await server?.stop();
  restoreEnv?.();
});

function withEndpoint<T>(endpoint: string, run: () => Promise<T>): Promise<T> {
  process.env['AWS_ENDPOINT_URL_S3'] = endpoint;
  return run().finally(() => delete process.env['AWS_ENDPOINT_URL_S3']);
}

describe('render with an S3 remote', () => {
  it('on a server without conditional writes: warns that claims are refused, pushes every output, and a clone pulls them', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const remote = `s3://${server.bucket}/plain`;
    const first = await withEndpoint(server.endpoint, () =>
      runCli(['render', FILE, '--base-url', emu.url, '--remote', remote], { cwd: dir, now: () => Date.now() }),
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/cannot hold team claims/);
    expect(first.stderr).toMatch(/^pushed 8 files/m);
    for (const secret of Object.values(CREDENTIALS)) expect(first.stdout + first.stderr).not.toContain(secret);

    const other = await startRenderEmulator();
    onTestFinished(() => other.close());
    const { dir: clone, cleanup } = await copyExamples();
    onTestFinished(cleanup);
    await copyFile(lockPathOf(dir, FILE), lockPathOf(clone, FILE));
    const pulled = await withEndpoint(server.endpoint, () => renderWith(other, clone, FILE, ['--remote', remote]));
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(other.stats().createsAccepted).toBe(0);
    expect(pulled.events().find((e) => e.event === 'remote.summary')).toMatchObject({ direction: 'pull', transferred: 8, failed: 0 });
    for (const event of pulled.events()) expect(JSON.stringify(event)).not.toContain(CREDENTIALS.secretAccessKey);
  }, 90_000);

  it('through a service with conditional writes: each create is claimed with If-None-Match: *, and the claim records its video', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const run = await withEndpoint(gateway.endpoint, () => renderWith(emu, dir, FILE, ['--remote', `s3://${server.bucket}/claimed`]));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/cannot hold team claims/);
    const lock = await readLock(dir, FILE);
    const creates = gateway.seen.filter(
      (r) => r.method === 'PUT' && r.url.includes('/claimed/claims/') && !r.url.includes('.probe-') && r.headers['if-none-match'] === '*' && r.status === 200,
    );
    expect(creates).toHaveLength(Object.keys(lock.jobs).length);
    const recorded = gateway.seen.filter(
      (r) => r.method === 'PUT' && r.url.includes('/claimed/claims/') && typeof r.headers['if-match'] === 'string' && r.status === 200,
    );
    expect(recorded.length).toBeGreaterThanOrEqual(Object.keys(lock.jobs).length);
    // No credential in the lockfile, the contact sheet, or anything stored on the remote (claims included).
    const written = [await readFile(lockPathOf(dir, FILE), 'utf8'), await readFile(path.join(dir, 'renders/quickstart/report.html'), 'utf8')];
    for (const file of await readdir(server.dataDir, { recursive: true })) {
      if (String(file).includes('claims')) written.push(await readFile(path.join(server.dataDir, String(file)), 'utf8').catch(() => ''));
    }
    expect(written.filter((text) => text.includes('"fingerprint"')).length).toBeGreaterThanOrEqual(Object.keys(lock.jobs).length);
    for (const text of [...written, run.stdout, run.stderr]) for (const secret of Object.values(CREDENTIALS)) expect(text).not.toContain(secret);
  }, 90_000);
});
