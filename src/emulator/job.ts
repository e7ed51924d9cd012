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
