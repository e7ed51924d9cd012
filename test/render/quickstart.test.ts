import { execFile, spawn } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { readMp4 } from '../emulator/helpers.js';
import { copyExamples, hasStackTrace, REPO } from '../helpers/cli.js';
import { userEnv } from '../helpers/dist.js';
import { checkOutputs, sha256 } from './helpers.js';

/**
 * The quickstart as a user runs it: `node bin/shotlist.js render quickstart.yaml` as a real
 * process in a fresh copy of the examples, on the embedded emulator it starts itself, then
 * every MP4 parsed by a real demuxer.
 */

const run = promisify(execFile);

describe('the quickstart, as a user runs it', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await copyExamples());
  }, 120_000);
  afterAll(() => cleanup?.());

  it('renders 4 playable MP4s of the requested size and duration, with audio, recorded in the lockfile', async () => {
    const child = await run(process.execPath, [path.join(REPO, 'bin/shotlist.js'), 'render', 'quickstart.yaml'], {
      cwd: dir,
      env: userEnv(),
      timeout: 60_000,
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect('code' in child ? child.code : 0, child.stderr).toBe(0);
    expect(hasStackTrace(child.stderr)).toBe(false);
    expect(child.stderr).toContain('4 done');

    const lock = JSON.parse(await readFile(path.join(dir, 'quickstart.lock.json'), 'utf8')) as Lockfile;
    expect(Object.keys(lock.jobs)).toEqual(['hero-dusk[product=mug]', 'hero-dusk[product=teapot]', 'hero[product=mug]', 'hero[product=teapot]']);
    for (const [id, entry] of Object.entries(lock.jobs)) {
      expect(entry.status, id).toBe('completed');
      expect(entry.outputs.video!.path).toBe(`renders/quickstart/${id}.mp4`);
      const { video } = await checkOutputs(dir, entry);
      expect(sha256(video)).toBe(entry.outputs.video!.sha256);
      const mp4 = await readMp4(video);
      const [width, height] = entry.request.size.split('x').map(Number);
      expect(mp4.width, id).toBe(width);
      expect(mp4.height, id).toBe(height);
      expect(mp4.duration, id).toBeGreaterThan(Number(entry.request.seconds) - 0.15);
      expect(mp4.duration, id).toBeLessThan(Number(entry.request.seconds) + 0.25);
      expect(mp4.videoCodec, id).toBe('avc');
      expect(mp4.audioCodec, id).toBe('aac');
    }
    expect(lock.jobs['hero-dusk[product=mug]']!.remixed_from).toBe(lock.jobs['hero[product=mug]']!.video_id);
    // The embedded emulator kept its state beside the project, as documented.
    expect((await readdir(path.join(dir, '.shotlist/emulator/jobs'))).filter((name) => name.endsWith('.json'))).toHaveLength(4);
  }, 90_000);

  it('Ctrl-C (SIGINT) while jobs render: exit 130, jobs in flight recorded; the next run resumes them on the persisted emulator', async () => {
    const { dir: fresh, cleanup: cleanFresh } = await copyExamples();
    try {
      // Slow enough that the first jobs are still rendering when the signal lands.
      const child = spawn(process.execPath, [path.join(REPO, 'bin/shotlist.js'), 'render', 'quickstart.yaml', '--emulator-speed', '8'], {
        cwd: fresh,
        env: userEnv(),
      });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no job in flight within 30 s: ${stderr}`)), 30_000);
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (/\b(queued|in_progress)\b/.test(stderr)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(130);
      expect(hasStackTrace(stderr)).toBe(false);
      expect(stderr).toContain('run again to resume');

      const interrupted = JSON.parse(await readFile(path.join(fresh, 'quickstart.lock.json'), 'utf8')) as Lockfile;
      const inFlight = Object.entries(interrupted.jobs).filter(([, entry]) => entry.status === 'queued' || entry.status === 'in_progress');
      expect(inFlight.length).toBeGreaterThan(0);
      await expect(access(path.join(fresh, 'quickstart.lock.json.lock'))).rejects.toThrow();

      const again = await run(process.execPath, [path.join(REPO, 'bin/shotlist.js'), 'render', 'quickstart.yaml'], {
        cwd: fresh,
        env: userEnv(),
        timeout: 60_000,
      });
      expect(again.stderr).toContain('4 done');
      const lock = JSON.parse(await readFile(path.join(fresh, 'quickstart.lock.json'), 'utf8')) as Lockfile;
      for (const [id, entry] of inFlight) expect(lock.jobs[id]!.video_id, `${id} resumed by id`).toBe(entry.video_id);
      for (const entry of Object.values(lock.jobs)) {
        expect(entry.status).toBe('completed');
        await checkOutputs(fresh, entry);
      }
      // The embedded emulator kept every video across both processes: one per job, none twice.
      expect((await readdir(path.join(fresh, '.shotlist/emulator/jobs'))).filter((name) => name.endsWith('.json'))).toHaveLength(4);
    } finally {
      await cleanFresh();
    }
  }, 90_000);
});
