import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { REPO } from './repo.js';

const run = promisify(execFile);

/** Every `src/**.ts` has a `dist/**.js` at least as new; otherwise the bin would run stale code. */
async function distIsFresh(): Promise<boolean> {
  const sources = (await readdir(path.join(REPO, 'src'), { recursive: true })).filter((file) => file.endsWith('.ts'));
  for (const source of sources) {
    const built = path.join(REPO, 'dist', source.replace(/\.ts$/, '.js'));
    const [src, out] = await Promise.all([stat(path.join(REPO, 'src', source)), stat(built).catch(() => null)]);
    if (out === null || out.mtimeMs < src.mtimeMs) return false;
  }
  return true;
}

/** The environment a user's shell would give a `bin/shotlist.js` process: no API keys, no colours. */
export function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of ['OPENAI_API_KEY', 'AZURE_OPENAI_API_KEY', 'SHOTLIST_API_KEY']) delete env[name];
  return env;
}

/**
 * Rebuilds dist/ when src/ is newer, for tests that run `bin/shotlist.js` as a real process.
 * Test files run in parallel workers, so the build is guarded by a directory lock: one worker
 * builds, the others wait for it, none runs a half-written dist.
 */
export async function ensureDist(): Promise<void> {
  const guard = path.join(os.tmpdir(), `shotlist-dist-build-${Buffer.from(REPO).toString('hex').slice(-16)}`);
  for (const deadline = Date.now() + 120_000; ;) {
    try {
      await mkdir(guard);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${guard} held for 2 minutes; remove it if no build is running`);
      await sleep(100);
    }
  }
  try {
    if (await distIsFresh()) return;
    await run(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO }).catch(
      (error: { stdout: string }) => {
        throw new Error(`dist/ is older than src/ and \`npm run build\` failed:\n${error.stdout}`);
      },
    );
  } finally {
    await rm(guard, { recursive: true, force: true });
  }
}
