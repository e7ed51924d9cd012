import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlavorName, RunningEmulator } from '../../src/emulator/index.js';
import { REPO } from '../helpers/cli.js';
import { startTestEmulator } from './helpers.js';
import { http, originOf } from './protocol-helpers.js';

/**
 * Replays the documented example requests of test/fixtures/protocols/ against each flavor: the
 * emulator must accept every one as the reference writes it. The client's tests compare what
 * the client sends with the same files.
 */
interface FixtureRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  expect: { status: number[] };
  capture?: Record<string, string>;
}

interface Fixture {
  source: string;
  requests: FixtureRequest[];
}

const KEY = 'fixture-key-0123';
const ROOT = path.join(REPO, 'test/fixtures/protocols');

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    if (!(name in values)) throw new Error(`no value for ${whole}`);
    return values[name]!;
  });
}

function pick(body: unknown, dotted: string): string {
  const value = dotted.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], body);
  if (typeof value !== 'string') throw new Error(`capture ${dotted}: not a string in ${JSON.stringify(body)}`);
  return value;
}

for (const flavor of ['gemini', 'fal', 'replicate'] as const satisfies readonly FlavorName[]) {
  describe(`${flavor} request fixtures`, () => {
    let emu: RunningEmulator;
    beforeAll(async () => {
      // Real time scale, and every prompt refused by moderation later: no renders, stable statuses.
      emu = await startTestEmulator({ flavor, apiKey: KEY, speed: 1, createsPerMinute: null, faults: { moderation: { failPattern: '.' } } });
    });
    afterAll(() => emu.close());

    it('are accepted as the reference writes them', async () => {
      const files = (await readdir(path.join(ROOT, flavor))).filter((name) => name.endsWith('.json')).sort();
      expect(files.length).toBeGreaterThanOrEqual(3);
      let sent = 0;
      for (const file of files) {
        const fixture = JSON.parse(await readFile(path.join(ROOT, flavor, file), 'utf8')) as Fixture;
        expect(fixture.source, file).toMatch(/\.md §\d/);
        const values: Record<string, string> = { KEY };
        for (const [index, request] of fixture.requests.entries()) {
          const label = `${file} #${index}: ${request.method} ${request.path}`;
          const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([name, value]) => [name, fill(value, values)]));
          const result = await http(`${originOf(emu)}${fill(request.path, values)}`, {
            method: request.method,
            headers,
            ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
          });
          expect(request.expect.status, `${label} answered ${result.status}: ${JSON.stringify(result.body)}`).toContain(result.status);
          for (const [name, dotted] of Object.entries(request.capture ?? {})) values[name] = pick(result.body, dotted);
          sent += 1;
        }
      }
      const routes = emu.stats().requestsByRoute;
      expect(routes['unmatched']).toBeUndefined();
      expect(Object.values(routes).reduce((sum, count) => sum + count, 0)).toBe(sent);
    }, 30_000);
  });
}
