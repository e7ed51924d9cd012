import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import type { EmulatorContext, EmulatorSettings } from './context.js';
import { CharacterStore } from './character-store.js';
import { FaultInjector, type FaultOptions } from './faults.js';
import { flavorNamed, type FlavorName } from './flavor.js';
import { cryptoRandomBytes, type RandomBytes } from './ids.js';
import type { JobRecord } from './job.js';
import { createJobMedia } from './job-media.js';
import { MediaRenderer } from './media.js';
import { modelTable } from './models.js';
import { createEmulatorServer } from './server.js';
import { StatsCounter, type EmulatorStats } from './stats.js';
import { readClockOffset, VideoStore, writeClockOffset } from './video-store.js';

export interface EmulatorOptions {
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /** Port; default 0 (a free port). */
  port?: number;
  /** null (default): in memory. Else jobs (JSON) and media are kept there and reloaded on start. */
  stateDir?: string | null;
  /**
   * Where the generated MP4s are kept, keyed by what they are made from (seed, size, length,
   * rate, image), so emulators sharing it encode each once; kept on close. Default: `<stateDir>/media`,
   * or a temp directory removed on close.
   */
  mediaDir?: string;
  /** Time scale: 1 (default) gives realistic job durations (tens of seconds); tests use e.g. 1000. */
  speed?: number;
  /** Frame rate of the generated MP4s; default 24. Tests use low values (e.g. 4) for speed. */
  fps?: number;
  /** Jobs queued or in progress at once before a create gets 429 (fal: running at once, the rest queue); default 2, gemini 10. */
  inFlightLimit?: number;
  /** `openai-poll-after-ms` on GET of a non-terminal job; default 2000 / speed, at least 1. */
  pollAfterMs?: number;
  /** Milliseconds since the epoch; default `Date.now`. The virtual clock's offset is added to it. */
  clock?: () => number;
  /** When set, `/v1` requests need `Authorization: Bearer <key>`; default null (no auth). */
  apiKey?: string | null;
  /** Seeded fault injection; default none. */
  faults?: FaultOptions;
  /** Opt-in extras of the March-2026 guide: seconds 16/20, 1080p for sora-2-pro. Default off. */
  guide2026?: boolean;
  /** Random bytes for ids; default crypto. */
  randomBytes?: RandomBytes;
  /** Parallel ffmpeg encodes; default 2. */
  encoders?: number;
  /** Where to report background problems (a failed encode); default silent. */
  log?: (line: string) => void;
  /**
   * The backend to imitate (docs/providers.md): `openai` (default, the contract), `azure`
   * (`/openai/v1`, `api-key`, 2 creates/min), `vllm-omni` (multipart only, serial queue, one
   * model) or `litellm` (model required, base64 ids, `processing`, no DELETE); or another
   * protocol (docs/protocols.md): `gemini` (Veo operations), `fal` (the queue), `replicate`.
   */
  flavor?: FlavorName;
  /** vllm-omni: the served model's name; default `Wan-AI/Wan2.2-T2V-A14B-Diffusers`. */
  servedModel?: string;
  /** azure: deployment name → model; default `{"sora-2": "sora-2"}`. */
  deployments?: Record<string, string>;
  /** Creates per rolling minute before a 429; default the flavor's (azure 2, gemini 10, replicate 600, others none). */
  createsPerMinute?: number | null;
  /**
   * gemini, fal, replicate: seconds a finished job's media URLs (and Replicate's input and
   * output) live; default the vendor's: 48 h (Gemini), the `X-Fal-Object-Lifecycle-Preference`
   * header or 7 days (fal), 1 h (Replicate).
   */
  retentionSeconds?: number;
  /** A secret the emulator proves it knows at `GET /_emulator/identity` (the embedded emulator's owner token); default none. */
  identityToken?: string | null;
}

export interface RunningEmulator {
  /**
   * The base URL a client uses, e.g. `http://127.0.0.1:43211/v1`: `/openai/v1` for Azure,
   * `/v1beta` for Gemini, the bare origin for fal's queue host, `/v1` for Replicate.
   */
  url: string;
  /** Stops accepting, ends sockets, kills ffmpeg, clears timers, removes the temporary media directory. */
  close(): Promise<void>;
  /** Moves the virtual clock forward: expiry tests jump 24 h. */
  advanceClock(seconds: number): void;
  stats(): EmulatorStats;
}

/** Starts the emulator of OpenAI's `/v1/videos` contract on a local port. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const settings = resolveSettings(options);
  const stateDir = options.stateDir ?? null;
  if (stateDir !== null) await mkdir(stateDir, { recursive: true });
  const ownMedia = options.mediaDir === undefined && stateDir === null;
  const mediaRoot = options.mediaDir ?? (stateDir === null ? await mkdtemp(join(tmpdir(), 'shotlist-emulator-')) : join(stateDir, 'media'));
  const store = await VideoStore.open(stateDir);
  const characters = await CharacterStore.open(stateDir);
  const media = new MediaRenderer({ root: mediaRoot, ffmpegPath: ffmpeg.path, concurrency: options.encoders ?? 2 });
  const jobMedia = createJobMedia(store, media, settings.fps);
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => {});
  let offsetMs = await readClockOffset(stateDir);
  let clockWrites: Promise<void> = Promise.resolve();
  let closed = false;
  let origin = '';
  const shutdown = new AbortController();

  const ctx: EmulatorContext = {
    store,
    characters,
    media,
    faults: new FaultInjector(options.faults ?? {}),
    stats: new StatsCounter(),
    table: modelTable(settings.guide2026),
    settings,
    recentCreates: [],
    random: options.randomBytes ?? cryptoRandomBytes,
    now: () => clock() + offsetMs,
    origin: () => origin,
    advanceClock(seconds) {
      offsetMs += seconds * 1000;
      const snapshot = offsetMs;
      clockWrites = clockWrites
        .then(() => writeClockOffset(stateDir, snapshot))
        .catch((error: Error) => log(`emulator: could not save the clock: ${error.message}`));
    },
    ensureMedia: jobMedia,
    startRender(job) {
      ctx.ensureMedia(job).then(
        () => !closed && updateJob(store, job.id, { mediaReadyMs: ctx.now() }),
        (error: Error) => {
          if (closed) return; // killed by close(): rendered again on the next start
          log(`emulator: encoding ${job.id} failed: ${error.message}`);
          updateJob(store, job.id, { renderError: error.message });
        },
      );
    },
  };

  for (const job of store.all()) if (needsRender(job)) ctx.startRender(job);
  const server = createEmulatorServer(ctx, shutdown.signal);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${host}:${address.port}`;

  return {
    url: `${origin}${settings.flavor.prefix}`,
    advanceClock: (seconds) => ctx.advanceClock(seconds),
    stats: () => ctx.stats.snapshot(store.all(), ctx.now(), media.encodeMs),
    async close() {
      if (closed) return;
      closed = true;
      shutdown.abort();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await media.close();
      await stopped;
      await Promise.all([store.flush(), characters.flush(), clockWrites]);
      if (ownMedia) await rm(mediaRoot, { recursive: true, force: true });
    },
  };
}

function resolveSettings(options: EmulatorOptions): EmulatorSettings {
  const speed = options.speed ?? 1;
  if (!(speed > 0)) throw new RangeError(`speed must be > 0, got ${speed}`);
  const fps = options.fps ?? 24;
  if (!Number.isInteger(fps) || fps < 1 || fps > 60) throw new RangeError(`fps must be an integer from 1 to 60, got ${fps}`);
  const flavor = flavorNamed(options.flavor ?? 'openai');
  return {
    speed,
    fps,
    flavor,
    flavorSettings: { servedModel: options.servedModel ?? 'Wan-AI/Wan2.2-T2V-A14B-Diffusers', deployments: options.deployments ?? { 'sora-2': 'sora-2' } },
    createsPerMinute: options.createsPerMinute === undefined ? flavor.createsPerMinute : options.createsPerMinute,
    inFlightLimit: options.inFlightLimit ?? flavor.inFlightDefault,
    pollAfterMs: options.pollAfterMs ?? Math.max(1, Math.round(2000 / speed)),
    guide2026: options.guide2026 ?? false,
    apiKey: options.apiKey ?? null,
    retentionSeconds: checkRetention(options.retentionSeconds),
    identityToken: options.identityToken ?? null,
  };
}

function checkRetention(seconds: number | undefined): number | null {
  if (seconds === undefined) return null;
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new RangeError(`retentionSeconds must be > 0, got ${seconds}`);
  return seconds;
}

/** After a restart: jobs whose encode never finished are encoded again. */
function needsRender(job: JobRecord): boolean {
  return job.deletedMs === null && job.fate !== 'fail-moderation' && job.fate !== 'fail-input' && job.mediaReadyMs === null && job.renderError === null;
}

function updateJob(store: VideoStore, id: string, change: Partial<JobRecord>): void {
  const current = store.get(id);
  if (current) store.put({ ...current, ...change });
}
