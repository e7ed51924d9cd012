import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIO } from '../../src/cli/main.js';
import { serializeLockfile } from '../../src/lockfile/parse-lockfile.js';
import type { LockEntry, Lockfile } from '../../src/lockfile/lockfile.js';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { printable, safeOutputText } from '../../src/untrusted/control-characters.js';
import { createRedactor, rememberCredentialsOf } from '../../src/untrusted/redactor.js';
import { completedLockfile, writeFakeOutputs } from '../helpers/campaign-lock.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { brokenPromises, examplesProject, FUZZ_RUNS, FUZZ_SEED, issuesOf, startCountingServer } from './helpers.js';
import { hostileStoryboard, startHostileServer, type HostileScript, type HostileServer } from './hostile-server.js';
import { formsOf, leaksIn, leaksInFiles, SECRET_ENV, SECRETS } from './leaks.js';

/**
 * Property-based tests of untrusted text, seeded: the redactor and the terminal neutraliser on
 * arbitrary text, then whole commands on hostile server answers, tampered lockfiles and
 * storyboards whose names are keys. Whatever the input: no credential in any output stream or
 * file, no control character but shotlist's own on a text stream, valid JSON on `--json`, no
 * stack trace, an exit code from the README's table.
 */

/**
 * Whole-command cases per target (the pure properties run FUZZ_RUNS): a render against a
 * server costs ~150 ms, a plan or a status ~30 ms on a loaded 2-core machine.
 * UNTRUSTED_CLI_RUNS overrides both, for a longer soak or a quick look.
 */
const SERVER_RUNS = Number(process.env['UNTRUSTED_CLI_RUNS'] ?? 200);
const CLI_RUNS = Number(process.env['UNTRUSTED_CLI_RUNS'] ?? 400);
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
const OWN = /\u001b\[(?:[0-9;:]{0,32}m|[0-9]{0,4}[A-G]|[0-2]?K|0?J|\?(?:25|2026)[hl])/g;

/** A control character left in a text stream once shotlist's own sequences are set aside. */
function rawControl(text: string): string | null {
  const match = CONTROL.exec(text.replace(OWN, '').replace(/\r(?=\n|\u001b\[)/g, ''));
  return match
    ? `U+${match[0].charCodeAt(0).toString(16).padStart(4, '0')} in ${JSON.stringify(text.slice(Math.max(0, match.index - 30), match.index + 10))}`
    : null;
}

/** Terminal attacks, as fragments of text. */
const CONTROL_FRAGMENTS = [
  '\u001b]0;title\u0007',
  '\u001b[2J',
  '\u001b]8;;https://evil.example/\u001b\\',
  '\u001b]52;c;eA==\u0007',
  '\r',
  '\n',
  '\u202e',
  '\u2066',
  '\u009b',
  '\u2028',
  '\u0007',
  '\b',
  '\u007f',
  '\u001b[6n',
  '\u001b',
];

/** A secret in one of the forms a server could carry it in. */
const secretInSomeForm = fc.tuple(fc.constantFrom(...SECRETS), fc.nat(6)).map(([secret, form]) => {
  switch (form) {
    case 0:
      return secret;
    case 1:
      return encodeURIComponent(secret);
    case 2:
      return JSON.stringify({ k: secret });
    case 3:
      return `Basic ${Buffer.from(`user:${secret}`).toString('base64')}`;
    case 4:
      return `Bearer ${secret}`;
    case 5:
      return `https://user:${encodeURIComponent(secret)}@host.example/`;
    default:
      return Buffer.from(secret).toString('base64');
  }
});

/** Server text: words, secrets, control sequences and arbitrary unicode, run together. */
const hostileText = fc
  .array(
    fc.oneof(
      secretInSomeForm,
      fc.constantFrom(...CONTROL_FRAGMENTS),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('failed', 'moderation_blocked', ' ', ': ', '|'),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

describe('the redactor and the neutraliser on arbitrary text', () => {
  // As main does with the environment; these properties call the functions without it.
  rememberCredentialsOf(SECRET_ENV);
  it(`${FUZZ_RUNS} secrets in any form inside any text are redacted`, () => {
    const secret = fc.string({ unit: 'binary', minLength: 8, maxLength: 40 }).filter((s) => s.trim().length >= 8);
    const encode = fc.constantFrom<(s: string) => string>(
      (s) => s,
      (s) => encodeURIComponent(s),
      (s) => JSON.stringify(s).slice(1, -1),
      (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'),
      (s) => Buffer.from(s).toString('base64'),
      (s) => Buffer.from(`u:${s}`).toString('base64'),
      (s) => Buffer.from(`us:${s}`).toString('base64'),
      (s) => Buffer.from(`use:${s}`).toString('base64url'),
    );
    fc.assert(
      fc.property(secret, encode, fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (s, form, before, after) => {
        const redactor = createRedactor();
        redactor.remember([s]);
        const out = redactor.redact(`${before}${form(s)}${after}`);
        // Forms of 8 characters or more: shorter ones are found in random text by chance.
        for (const leaked of formsOf(s).filter((f) => f.length >= 8))
          expect(out.includes(leaked), `${JSON.stringify(leaked)} in ${JSON.stringify(out)}`).toBe(false);
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
    );
  });

  it(`${FUZZ_RUNS} texts without credentials come out unchanged`, () => {
    // Lower-case words, spaces and punctuation: no key shape can form (they need digits, capitals or "://").
    const prose = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz .,;!?-\'"()'), maxLength: 200 });
    fc.assert(
      fc.property(prose, (text) => {
        expect(safeOutputText(text)).toBe(text);
        expect(printable(text)).toBe(text);
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
    );
  });

  it(`${FUZZ_RUNS} strings: printable leaves no control character`, () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.array(fc.constantFrom(...CONTROL_FRAGMENTS)), (text, attacks) => {
        expect(printable(text + attacks.join(text))).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/);
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
    );
  });

  it(`${FUZZ_RUNS} JSON values: an output stream keeps a JSON line valid, and shows no raw control character`, () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary' }), hostileText, (value, key, text) => {
        const line = JSON.stringify({ value, [key]: text });
        const shown = safeOutputText(line);
        expect(() => JSON.parse(shown)).not.toThrow();
        expect(rawControl(shown)).toBeNull();
        expect(leaksIn(shown)).toEqual([]);
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
    );
  });
});

describe('whole commands on hostile input', () => {
  const ENV = { ...SECRET_ENV, NO_COLOR: '1' };
  let project: Awaited<ReturnType<typeof examplesProject>>;
  let script: HostileScript = {};
  let server: HostileServer;

  beforeAll(async () => {
    project = await examplesProject();
    // One server for every case; each case sets what it says.
    server = await startHostileServer(
      new Proxy({} as HostileScript, {
        get: (_target, key) => script[key as keyof HostileScript],
      }),
    );
  });

  afterAll(async () => {
    await server?.close();
    await project?.cleanup();
  });

  /** A run on a pipe, on a terminal (the live view), or with --json. */
  async function runAs(mode: 'pipe' | 'terminal' | 'json', argv: string[]): Promise<CliRun> {
    if (mode !== 'terminal') return runCli(mode === 'json' ? [...argv, '--json'] : argv, { cwd: project.dir, env: ENV, now: () => Date.now() });
    let stdout = '';
    let stderr = '';
    const io: CliIO = {
      stdout: { write: (t: string) => (stdout += t), isTTY: true },
      stderr: { write: (t: string) => (stderr += t), isTTY: true },
      env: { ...ENV, NO_COLOR: '', TERM: 'xterm' },
      cwd: project.dir,
      now: () => Date.now(),
      signal: new AbortController().signal,
    };
    const code = await main(argv, io);
    return { code, stdout, stderr, events: () => [] };
  }

  function brokenOutputs(run: CliRun, mode: 'pipe' | 'terminal' | 'json'): string[] {
    const broken = [...leaksIn(run.stdout).map((l) => `stdout: ${l}`), ...leaksIn(run.stderr).map((l) => `stderr: ${l}`)];
    const raw = rawControl(run.stderr) ?? (mode === 'json' ? null : rawControl(run.stdout));
    if (raw) broken.push(`raw control: ${raw}`);
    if (mode === 'json') {
      for (const line of run.stdout.split('\n').filter((l) => l !== '')) {
        try {
          JSON.parse(line);
        } catch {
          broken.push(`not JSON: ${line.slice(0, 80)}`);
        }
      }
    }
    return broken;
  }

  it(`${SERVER_RUNS} hostile servers: render, status and gc`, async () => {
    const scriptArb = fc.record({
      status: fc.oneof(fc.constant('failed'), fc.constant('cancelled'), hostileText),
      error: fc.option(fc.record({ code: fc.oneof(hostileText, fc.integer()), message: hostileText }), { freq: 4 }),
      refuse: fc.option(
        fc.record({
          status: fc.constantFrom(400, 401, 403, 404, 422),
          message: hostileText,
          type: fc.option(hostileText),
          code: fc.option(hostileText),
          param: fc.option(hostileText),
        }),
        { freq: 3 },
      ),
      requestId: fc.option(hostileText),
      listed: fc.array(
        fc.record({
          id: fc.oneof(
            fc.constant('video_listed'),
            hostileText.filter((t) => t !== ''),
          ),
          status: hostileText,
          prompt: hostileText,
        }),
        { maxLength: 2 },
      ),
      mode: fc.constantFrom<'pipe' | 'terminal' | 'json'>('pipe', 'terminal', 'json'),
    });
    const lockPath = path.join(project.dir, 'hostile.lock.json');
    const summary = path.join(project.dir, 'summary.md');
    await writeFile(path.join(project.dir, 'hostile.yaml'), hostileStoryboard(server.baseUrl));
    const codes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(scriptArb, async (c) => {
        script = {
          status: c.status,
          error: c.error,
          ...(c.refuse
            ? {
                refuseCreate: {
                  status: c.refuse.status,
                  error: () => ({ message: c.refuse!.message, type: c.refuse!.type, code: c.refuse!.code, param: c.refuse!.param }),
                },
              }
            : {}),
          ...(c.requestId === null ? {} : { requestId: c.requestId.replace(/[^\t\u0020-\u007e\u0080-\u00ff]/g, '') }),
          listed: c.listed.map((item) => ({ ...item, object: 'video', created_at: 1, error: null })),
        };
        await rm(lockPath, { force: true });
        await rm(summary, { force: true });
        const render = await runAs(c.mode, ['render', 'hostile.yaml', '--summary', 'summary.md']);
        codes.set(render.code, (codes.get(render.code) ?? 0) + 1);
        expect(brokenPromises(render, [1, 5]), render.stderr).toEqual([]);
        expect(brokenOutputs(render, c.mode)).toEqual([]);
        for (const argv of [
          ['status', 'hostile.yaml'],
          ['gc', 'hostile.yaml', '--dry-run'],
        ]) {
          const result = await runAs(c.mode, argv);
          expect(brokenPromises(result, [0, 1, 5]), `${argv.join(' ')}: ${result.stderr}`).toEqual([]);
          expect(brokenOutputs(result, c.mode), argv.join(' ')).toEqual([]);
        }
        expect(await leaksInFiles([lockPath, summary, path.join(project.dir, 'renders', 'hostile', 'report.html')])).toEqual([]);
      }),
      { numRuns: SERVER_RUNS, seed: FUZZ_SEED, endOnFailure: true },
    );
    // Both outcomes were exercised: jobs that failed, and servers that refused the key.
    expect(codes.get(1)).toBeGreaterThan(SERVER_RUNS / 4);
    expect(codes.get(5)).toBeGreaterThan(0);
  }, 600_000);

  it(`${CLI_RUNS} lockfiles with hostile strings: plan and status`, async () => {
    const { loaded } = await loadStoryboard('quickstart.yaml', { cwd: project.dir });
    const base = completedLockfile(loaded!, Math.floor(Date.now() / 1000) - 3600);
    await writeFakeOutputs(project.dir, base);
    const ids = Object.keys(base.jobs);
    const entryArb = fc.record({
      id: fc.constantFrom(...ids),
      failed: fc.boolean(),
      code: hostileText,
      message: hostileText,
      // Mostly left alone: a video id not of the provider's form is refused (exit 2, located and escaped), and the strings must mostly be shown.
      videoId: fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, { arbitrary: hostileText.filter((t) => t !== ''), weight: 1 }),
      orphan: fc.option(hostileText.filter((t) => t !== '')),
    });
    const caseArb = fc.record({
      edits: fc.array(entryArb, { minLength: 1, maxLength: 3 }),
      mode: fc.constantFrom<'pipe' | 'terminal' | 'json'>('pipe', 'terminal', 'json'),
    });
    let shown = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ edits, mode }) => {
        const lock = structuredClone(base) as { jobs: Record<string, LockEntry> } & Lockfile;
        for (const edit of edits) {
          const entry = { ...lock.jobs[edit.id]!, ...(edit.failed ? { status: 'failed' as const } : {}), error: { code: edit.code, message: edit.message } };
          lock.jobs[edit.id] = edit.videoId === null ? entry : { ...entry, video_id: edit.videoId };
          if (edit.orphan !== null) lock.jobs[edit.orphan] = entry;
        }
        // Written raw, as a hand edit, a hostile commit or a shotlist from before redaction left it.
        await writeFile(path.join(project.dir, 'quickstart.lock.json'), JSON.stringify(lock, null, 2));
        for (const argv of [
          ['plan', 'quickstart.yaml'],
          ['status', 'quickstart.yaml', '--offline'],
        ]) {
          const result = await runAs(mode, argv);
          expect(brokenPromises(result, [0, 1, 2]), `${argv.join(' ')}: ${result.stderr}`).toEqual([]);
          expect(brokenOutputs(result, mode), argv.join(' ')).toEqual([]);
          if (result.code !== 2) shown++;
        }
        // And written back by shotlist's own serializer: no credential survives it, and no raw
        // control character (a bidi override in a lockfile would reorder a reviewer's diff).
        const written = serializeLockfile(lock);
        expect(leaksIn(written)).toEqual([]);
        expect(rawControl(written)).toBeNull();
      }),
      { numRuns: CLI_RUNS, seed: FUZZ_SEED, endOnFailure: true },
    );
    // The hostile strings were shown, not only refused by the lockfile's schema.
    expect(shown).toBeGreaterThan(CLI_RUNS / 2);
  }, 600_000);

  it(`${CLI_RUNS} storyboards whose names and URLs are credentials: validate and plan echo none`, async () => {
    const counting = await startCountingServer();
    try {
      // Values that look like credentials without being any shotlist holds: their echo is what is tested.
      const lookalike = fc.oneof(
        fc.stringMatching(/^sk-[A-Za-z0-9]{6,30}[0-9]$/),
        fc.stringMatching(/^(AKIA|ASIA)[A-Z0-9]{16}$/),
        fc.stringMatching(/^[0-9a-f]{32,48}$/),
        fc.stringMatching(/^r8_[A-Za-z0-9]{20,30}$/),
        fc.constantFrom('Xk9fQ2mP7vR4tL8wN3bZ6cY1aB5dE0gH', 'Zq8RmT3vW9xK2pL7nB4cJ6hF1dS5gA0e'),
      );
      const value = fc.oneof(lookalike, fc.constantFrom(...SECRETS), hostileText);
      const caseArb = fc.record({
        provider: fc.oneof(value, fc.constantFrom('openai', 'emulatr')),
        userinfo: fc.option(fc.oneof(lookalike, fc.constantFrom(...SECRETS)).map((v) => `user:${encodeURIComponent(v)}`)),
        flagProvider: fc.option(value, { freq: 4 }),
        shotId: fc.oneof(fc.constant('hero'), value),
        model: fc.oneof(fc.constant('sora-2'), value),
        prompt: fc.oneof(fc.constant('A mug.'), value),
        mode: fc.constantFrom<'pipe' | 'terminal' | 'json'>('pipe', 'terminal', 'json'),
      });
      const codes = new Set<number>();
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const baseUrl = c.userinfo === null ? counting.url : counting.url.replace('http://', `http://${c.userinfo}@`);
          const doc = {
            version: 1,
            name: 'keys',
            provider: c.provider === 'openai' ? { profile: 'openai', base_url: baseUrl } : c.provider,
            defaults: { model: c.model, size: '1280x720', seconds: 4 },
            shots: [{ id: c.shotId, prompt: c.prompt }],
          };
          await writeFile(path.join(project.dir, 'keys.yaml'), stringify(doc));
          const flags = c.flagProvider === null ? [] : ['--provider', c.flagProvider];
          for (const argv of [
            ['validate', 'keys.yaml'],
            ['plan', 'keys.yaml', ...flags],
          ]) {
            const result = await runAs(c.mode, argv);
            expect(brokenPromises(result, [0, 2]), `${argv.join(' ')}: ${result.stderr}`).toEqual([]);
            codes.add(result.code);
            expect(brokenOutputs(result, c.mode), argv.join(' ')).toEqual([]);
            // No issue repeats a value that looks like a credential: not in text, not in --json.
            const told =
              c.mode === 'json'
                ? JSON.stringify(issuesOf(result)) +
                  result.stdout
                    .split('\n')
                    .filter((l) => l.includes('"issue"'))
                    .join('\n')
                : result.stderr;
            for (const v of [c.provider, c.flagProvider, c.userinfo?.slice(5) ?? null]) {
              if (v !== null && looksLike(v)) expect(told.includes(v) || told.includes(decoded(v)), `${argv.join(' ')} echoed ${v}`).toBe(false);
            }
          }
          expect(counting.requests()).toBe(0);
        }),
        { numRuns: CLI_RUNS, seed: FUZZ_SEED, endOnFailure: true },
      );
      // Valid storyboards were planned too, not only refused ones.
      expect([...codes].sort()).toEqual([0, 2]);
    } finally {
      await counting.close();
    }
  }, 600_000);
});

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The generator's own idea of a lookalike: a value shotlist holds, or one of the shapes above. */
function looksLike(value: string): boolean {
  const v = decoded(value);
  return SECRETS.includes(v) || /^(sk-[A-Za-z0-9]{6,30}[0-9]|(AKIA|ASIA)[A-Z0-9]{16}|[0-9a-f]{32,48}|r8_[A-Za-z0-9]{20,30}|Xk9f\w+|Zq8R\w+)$/.test(v);
}
