import type { CharacterStore } from './character-store.js';
import type { FaultInjector } from './faults.js';
import type { Flavor } from './flavor.js';
import type { FlavorSettings } from './flavor-requests.js';
import type { JobRecord } from './job.js';
import type { RandomBytes } from './ids.js';
import type { MediaFiles, MediaRenderer } from './media.js';
import type { ModelTable } from './models.js';
import type { StatsCounter } from './stats.js';
import type { VideoStore } from './video-store.js';

/** Settings the handlers read, with defaults already applied. */
export interface EmulatorSettings {
  speed: number;
  fps: number;
  inFlightLimit: number;
  pollAfterMs: number;
  guide2026: boolean;
  apiKey: string | null;
  /** Which backend the server imitates; `openai` unless asked. */
  flavor: Flavor;
  flavorSettings: FlavorSettings;
  /** Creates allowed per rolling minute of the virtual clock; `null` for none. */
  createsPerMinute: number | null;
  /**
   * Gemini, fal and Replicate: seconds a finished job's media (and Replicate's input and output)
   * are kept; `null` means the protocol's default (48 h, fal's lifecycle header or 7 days, 1 h).
   */
  retentionSeconds: number | null;
  /** The owner's secret this emulator proves it knows (`/_emulator/identity`); null for none. */
  identityToken: string | null;
}

/** Everything a request handler may touch; built once by the server. */
export interface EmulatorContext {
  readonly store: VideoStore;
  readonly characters: CharacterStore;
  readonly media: MediaRenderer;
  readonly faults: FaultInjector;
  readonly stats: StatsCounter;
  readonly table: ModelTable;
  readonly settings: EmulatorSettings;
  readonly random: RandomBytes;
  /** Virtual-clock times of recent creates, for a per-minute limit. */
  readonly recentCreates: number[];
  /** Milliseconds since the epoch on the virtual clock. */
  now(): number;
  /** `http://host:port` the emulator listens on: the origin of the URLs it hands out (fal's status URL, a video's URI). */
  origin(): string;
  advanceClock(seconds: number): void;
  /** The files of a job's media, rendering them first (or joining the render under way). */
  ensureMedia(job: JobRecord): Promise<MediaFiles>;
  /** Starts (or joins) the render of a job's media and records when it is ready. */
  startRender(job: JobRecord): void;
}
