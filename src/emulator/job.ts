/**
 * A job as the emulator stores it. Status is not stored: it is derived from the timing and
 * the moment the media became ready (see lifecycle.ts), so the virtual clock, restarts and
 * concurrent readers all agree without timers.
 */
export interface JobRecord {
  id: string;
  /** Creation order; breaks ties between jobs created in the same second for list ordering. */
  seq: number;
  model: string;
  size: string;
  seconds: string;
  prompt: string;
  remixedFrom: string | null;
  /** sha256 of the canonical request: the media cache key's root and the duplicate-spend detector. */
  requestHash: string;
  inputReferenceSha256: string | null;
  createdMs: number;
  queueMs: number;
  runMs: number;
  /** Decided at create time by the fault options in force then, so replacing faults never rewrites history. */
  fate: JobFate;
  mediaReadyMs: number | null;
  /** Set when ffmpeg failed: the job then fails instead of waiting forever for its media. */
  renderError: string | null;
  deletedMs: number | null;
  /**
   * An edit or an extension: what it was made from. Absent on creates and remixes (so their
   * records and request hashes are unchanged).
   */
  source?: JobSource;
  /** How many extensions deep the video is (an extension of a 2-deep one is 3); absent: 0. At most 6. */
  extensions?: number;
  /** The characters a create cast (`characters: [{id}]`), by id; absent when none. */
  characters?: readonly string[];
  /** Fields beyond the contract the flavor took (`seed`, ...); absent or null when none. */
  extra?: Readonly<Record<string, string | number>> | null;
  /** vLLM-Omni: a DELETE asked to cancel the running job; the next one finishes the cancel. */
  cancelRequestedMs?: number | null;
  /** false: the model makes no sound (Veo 2, Kling), so the MP4 has no audio track. Absent: audio. */
  audio?: boolean;
  /**
   * Protocol-specific facts of the job the other flavors do not have (Gemini's file id, fal's
   * endpoint and media lifetime, Replicate's input echo), as the protocol's own module reads them.
   */
  wire?: Readonly<Record<string, unknown>>;
  /** Replicate's `Cancel-After`: the job stops here if still running (aborted before it started). */
  deadlineMs?: number | null;
  /** A cancel that stopped the job (fal before it started, Replicate at any time before it ended). */
  stoppedMs?: number | null;
}

/**
 * The video an edit or an extension starts from: a job of this server (`videoId`) or an uploaded
 * MP4 (`upload`, kept under its sha256 with what was read from it).
 */
export interface JobSource {
  kind: 'edit' | 'extension';
  videoId: string | null;
  upload: UploadedVideo | null;
  /** The source's length in whole seconds; an extension's MP4 opens with it, and its `seconds` is this plus the new segment. */
  sourceSeconds: number;
}

/** An uploaded source video as the emulator keeps it: the bytes by sha256, and what it holds. */
export interface UploadedVideo {
  sha256: string;
  width: number;
  height: number;
  /** Duration in seconds, as the container says. */
  duration: number;
  audio: boolean;
}

/**
 * `fail-input`: an input the model refuses when it runs (fal validates a queued request's input
 * only then), failing as the run starts; the refusal is kept in `wire`.
 */
export type JobFate = 'complete' | 'fail-moderation' | 'fail-input' | 'stuck';

export type VideoStatus = 'queued' | 'in_progress' | 'completed' | 'failed';

/** The Video object of the contract: all 13 keys, nullable ones present as null. */
export interface VideoObject {
  id: string;
  object: 'video';
  model: string;
  status: VideoStatus;
  progress: number;
  created_at: number;
  completed_at: number | null;
  expires_at: number | null;
  prompt: string | null;
  size: string;
  seconds: string;
  remixed_from_video_id: string | null;
  error: { code: string; message: string } | null;
}
