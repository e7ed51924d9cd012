import { execFile } from 'node:child_process';
import { access, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './repo.js';

const run = promisify(execFile);

/** How a browser test launches Chromium: pass all three to playwright-core's `chromium.launch`. */
export interface TestChromium {
  readonly executablePath: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
}

/**
 * A headless Chromium that `npm install` brought: `@sparticuz/chromium` ships the binary, the
 * NSS libraries it links against and a font inside the package (brotli-compressed), so a
 * machine with only Node needs no system Chromium, no apt and no download.
 *
 * The package unpacks into a fixed `/tmp/chromium` whose presence alone counts as unpacked (a
 * half-written binary, or another version's, would be launched). So it is unpacked here once per
 * package version into `node_modules/.cache/shotlist-chromium/<version>/` (about 2 s, 200 MB):
 * in a staging folder renamed into place when complete, so a killed or concurrent run never
 * launches a partial binary. Later runs only check that the folder exists.
 */
export async function testChromium(): Promise<TestChromium> {
  const { version, bin } = await packageOf('@sparticuz/chromium');
  const cacheRoot = path.join(REPO, 'node_modules', '.cache', 'shotlist-chromium');
  const dir = path.join(cacheRoot, version);
  if (!(await exists(path.join(dir, 'chromium')))) await unpack(bin, cacheRoot, version);
  return {
    executablePath: path.join(dir, 'chromium'),
    // Without the background-networking flags Chromium keeps dialling Google on this closed network.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    // The package's own NSS and fonts: of the machine's libraries, only glibc's are used.
    env: { ...definedEnv(), LD_LIBRARY_PATH: path.join(dir, 'al2023', 'lib'), FONTCONFIG_PATH: path.join(dir, 'fontconfig') },
  };
}

async function unpack(bin: string, cacheRoot: string, version: string): Promise<void> {
  const staging = path.join(cacheRoot, `${version}.partial-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    // The package's own unpacking, pointed at the staging folder through TMPDIR. It unpacks its
    // NSS libraries only where it believes it runs on Lambda (Amazon Linux 2023), hence the
    // AWS_EXECUTION_ENV: the binary is built against them, and with them it needs no system NSS.
    const script = `import('@sparticuz/chromium').then((m) => m.default.executablePath(${JSON.stringify(bin)})).then((p) => process.stdout.write(p))`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: REPO,
      env: { ...process.env, TMPDIR: staging, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x' },
    });
    if (stdout !== path.join(staging, 'chromium')) throw new Error(`@sparticuz/chromium unpacked to ${stdout}, not into ${staging}`);
    for (const needed of ['al2023/lib/libnss3.so', 'fonts/fonts']) {
      if (!(await exists(path.join(staging, needed)))) throw new Error(`@sparticuz/chromium ${version} did not unpack ${needed}; see test/helpers/chromium.ts`);
    }
    await mkdir(path.join(staging, 'fontconfig'));
    const dir = path.join(cacheRoot, version);
    await writeFile(path.join(staging, 'fontconfig', 'fonts.conf'), fontsConf(path.join(dir, 'fonts', 'fonts'), path.join(dir, 'fontconfig', 'cache')));
    await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another run finished first: its copy is as good as ours.
      if (!(await exists(path.join(dir, 'chromium')))) throw error;
    });
    // Other versions' copies are 200 MB each and never used again.
    for (const name of await readdir(cacheRoot))
      if (name !== version && !name.includes('.partial-')) await rm(path.join(cacheRoot, name), { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The package's fonts.conf names /tmp/fonts; this one names the cached copy. */
function fontsConf(fontDir: string, cacheDir: string): string {
  const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${xml(fontDir)}</dir>\n  <cachedir>${xml(cacheDir)}</cachedir>\n</fontconfig>\n`;
}

/** The installed version and the folder of the compressed files (the package exports neither). */
async function packageOf(name: string): Promise<{ version: string; bin: string }> {
  // build/cjs/index.cjs → the package root.
  const root = path.resolve(path.dirname(createRequire(path.join(REPO, 'package.json')).resolve(name)), '..', '..');
  const { version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return { version, bin: path.join(root, 'bin') };
}

function definedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
