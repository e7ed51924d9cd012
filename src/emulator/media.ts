import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { buildExtensionSteps } from './extension-recipe.js';
import { buildFfmpegArgs, MEDIA_FILES, type MediaPrefix, type MediaSpec } from './media-recipe.js';

export interface MediaFiles {
  video: string;
  thumbnail: string;
  spritesheet: string;
}

export interface MediaRendererOptions {
  /** Directory holding one sub-directory per rendered spec. */
  root: string;
  ffmpegPath: string;
  /** ffmpeg processes at once; default 2. */
  concurrency?: number;
}

/** Bump when the recipe changes, so a state directory never serves media from an older recipe. */
const RECIPE_VERSION = 'v2';

/**
 * Renders media with ffmpeg, at most `concurrency` processes at once, cached on disk by spec:
 * identical requests never encode twice, and concurrent asks for one spec share one render.
 */
export class MediaRenderer {
  private readonly limit: LimitFunction;
  private readonly pending = new Map<string, Promise<MediaFiles>>();
  private readonly children = new Set<ChildProcess>();
  private closed = false;
  /** Wall-clock milliseconds of each finished encode, for stats and benchmarks. */
  readonly encodeMs: number[] = [];

  constructor(private readonly options: MediaRendererOptions) {
    this.limit = pLimit(options.concurrency ?? 2);
  }

  filesFor(spec: MediaSpec): MediaFiles {
    const dir = this.dirFor(spec);
    return {
      video: join(dir, MEDIA_FILES.video),
      thumbnail: join(dir, MEDIA_FILES.thumbnail),
      spritesheet: join(dir, MEDIA_FILES.spritesheet),
    };
  }

  /** The files of `spec`, rendering them first unless a finished render is on disk. */
  ensure(spec: MediaSpec): Promise<MediaFiles> {
    const dir = this.dirFor(spec);
    const files = this.filesFor(spec);
    if (existsSync(files.video)) return Promise.resolve(files);
    const running = this.pending.get(dir);
    if (running) return running;
    const render = this.limit(() => this.render(spec, dir)).then(() => files);
    this.pending.set(dir, render);
    const forget = (): void => void this.pending.delete(dir);
    render.then(forget, forget);
    return render;
  }

  /** Kills running encodes; renders not yet started fail with "emulator closed". */
  async close(): Promise<void> {
    this.closed = true;
    for (const child of this.children) child.kill('SIGKILL');
    await Promise.allSettled([...this.pending.values()]);
  }

  /**
   * Where a job's input (an input_reference image, an uploaded source video) is kept by its
   * sha256 for its render; `null` until `keepInput` stored it.
   */
  inputFor(sha256: string): string | null {
    const file = join(this.options.root, 'inputs', sha256);
    return existsSync(file) ? file : null;
  }

  /** Keeps an input for the render of its job (once per content; atomic). */
  async keepInput(sha256: string, bytes: Uint8Array): Promise<void> {
    const file = join(this.options.root, 'inputs', sha256);
    if (existsSync(file)) return;
    await mkdir(join(this.options.root, 'inputs'), { recursive: true });
    const temp = `${file}.tmp-${randomUUID()}`;
    await writeFile(temp, bytes);
    await rename(temp, file);
  }

  private dirFor(spec: MediaSpec): string {
    // Silent renders get their own key; the key of a render with sound is unchanged.
    // So do extensions, keyed by what they continue.
    const prefix = spec.prefix ? `|after:${spec.prefix.key}:${spec.prefix.seconds}` : '';
    const key = `${RECIPE_VERSION}|${spec.seedHex}|${spec.width}x${spec.height}|${spec.seconds}|${spec.fps}${spec.audio === false ? '|silent' : ''}${prefix}`;
    return join(this.options.root, createHash('sha256').update(key).digest('hex').slice(0, 32));
  }

  /** Encodes into a temporary directory and renames it into place, so a reader never sees half a render. */
  private async render(spec: MediaSpec, dir: string): Promise<void> {
    if (this.closed) throw new Error('emulator closed');
    if (existsSync(join(dir, MEDIA_FILES.video))) return;
    const temp = `${dir}.tmp-${randomUUID()}`;
    await mkdir(temp, { recursive: true });
    try {
      const started = performance.now();
      if (spec.prefix) await this.renderExtension({ ...spec, prefix: spec.prefix }, temp);
      else await this.runFfmpeg(buildFfmpegArgs(spec, temp));
      this.encodeMs.push(Math.round(performance.now() - started));
      await rename(temp, dir).catch((error: NodeJS.ErrnoException) => {
        // Another process sharing the state directory finished the same render first.
        if (!existsSync(join(dir, MEDIA_FILES.video))) throw error;
      });
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  /** The steps of extension-recipe.ts, in a scratch directory beside the render that is always removed. */
  private async renderExtension(spec: MediaSpec & { prefix: MediaPrefix }, temp: string): Promise<void> {
    const scratch = `${temp}.work`;
    const steps = buildExtensionSteps(spec, scratch, temp);
    try {
      for (const dir of [scratch, ...steps.dirs]) await mkdir(dir, { recursive: true });
      await writeFile(steps.list.path, steps.list.text);
      for (const args of steps.runs) await this.runFfmpeg(args);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Never starts after `close`: a render that was between steps when it came would otherwise encode whole while `close` waits. */
  private runFfmpeg(args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('emulator closed'));
      const child = spawn(this.options.ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      this.children.add(child);
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        if (stderr.length < 4000) stderr += chunk.toString();
      });
      child.on('error', (error) => {
        this.children.delete(child);
        reject(error);
      });
      child.on('close', (code, signal) => {
        this.children.delete(child);
        if (code === 0) resolve();
        else reject(new Error(`ffmpeg failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
      });
    });
  }
}
