import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createVideosClient, InsecureHttpError } from '../../src/api/index.js';
import { isLoopback } from '../../src/api/endpoint.js';
import { emulatorProfile } from '../../src/providers/builtin.js';
import { copyExamples, runCli } from '../helpers/cli.js';
import { brokenPromises, FUZZ_SEED, startCountingServer } from './helpers.js';

/**
 * Plain http:// is allowed without --allow-insecure-http only to what surely stays on this
 * machine: a literal loopback address, or `localhost` itself. `*.localhost` used to count,
 * but the system resolver may send such a name to DNS.
 */

describe('what counts as this machine for plain http', () => {
  it('literal loopback addresses and localhost itself: allowed', () => {
    for (const host of ['127.0.0.1', '127.255.3.4', '[::1]', '[::ffff:127.0.0.1]', 'localhost', 'LOCALHOST', '127.1', '0x7f000001']) {
      const client = createVideosClient({ profile: emulatorProfile, baseUrl: `http://${host}:1/v1`, apiKey: 'k' });
      void client.close();
    }
  });

  it('names under .localhost, names that merely contain localhost or 127.0.0.1, other addresses: refused', () => {
    for (const host of [
      'shotlist.localhost',
      'a.b.localhost',
      'localhost.',
      'localhost.evil.example',
      '127.0.0.1.nip.io',
      'evil-127.0.0.1.example',
      '[::ffff:10.0.0.1]',
      '0.0.0.0',
      '[::]',
      '10.0.0.1',
      'gpu-box.lan',
    ]) {
      expect(() => createVideosClient({ profile: emulatorProfile, baseUrl: `http://${host}:1/v1`, apiKey: 'k' }), host).toThrow(InsecureHttpError);
    }
  });

  it('property: a host name (not an address) is loopback only if it is exactly "localhost" (1,000 seeded names)', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const name = fc.oneof(
      fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => `${labels.join('.')}.localhost`),
      fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => `localhost.${labels.join('.')}`),
      fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
    );
    fc.assert(
      fc.property(name, (host) => {
        // A last label of digits makes the name an (invalid) IPv4 address: not a name at all.
        fc.pre(URL.canParse(`http://${host}/`));
        const hostname = new URL(`http://${host}/`).hostname;
        expect(isLoopback(hostname), host).toBe(hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname));
      }),
      { numRuns: 1_000, seed: FUZZ_SEED },
    );
  });

  it('render --base-url http://<name>.localhost: exit 2 before anything is sent, even where the name would resolve to this machine', async () => {
    const server = await startCountingServer();
    const { dir, cleanup } = await copyExamples();
    try {
      const port = new URL(server.url).port;
      const run = await runCli(['render', 'quickstart.yaml', '--base-url', `http://shotlist-test.localhost:${port}/v1`], {
        cwd: dir,
        env: { NO_COLOR: '1', SHOTLIST_API_KEY: 'sk-secret' },
      });
      expect(brokenPromises(run, [2]), run.stderr).toEqual([]);
      expect(run.stderr).toContain(`refusing plain HTTP to http://shotlist-test.localhost:${port}`);
      expect(server.requests()).toBe(0);
    } finally {
      await server.close();
      await cleanup();
    }
  });
});
