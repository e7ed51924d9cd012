import type { LockEntry, LockStatus } from '../lockfile/lockfile.js';
import type { OutputState, Plan, PlanAction, PlannedJob } from '../plan/plan.js';
import type { VideoStatus } from '../providers/profile.js';
import type { StatusNote } from './status-note.js';

/**
 * `shotlist status`: the lockfile held against the files on disk and the videos on the server,
 * one row per job and per orphan. Pure: the caller reads the files and asks the server.
 */

/** A recorded output as found on disk; `none` when the lockfile records no such file. */
export type FileState = 'ok' | 'missing' | 'altered' | 'none';

/**
 * The video as the server (or, offline, the lockfile) knows it. `expiring`: completed, and
 * gone within `EXPIRING_SECONDS`. `gone`: the server answers 404 (deleted, or purged after
 * expiry). `none`: no video id is recorded.
 */
export type ServerState = 'completed' | 'expiring' | 'expired' | 'in_flight' | 'failed' | 'gone' | 'none';

/** One word per row, the most pressing thing about the job. */
export type JobHeadline =
  'ok' | 'orphan' | 'not_rendered' | 'failed' | 'in_flight' | 'missing' | 'altered' | 'rerender' | 'moved' | 'blocked' | 'gone' | 'expired' | 'expiring';

/** What the server answered for one video id: the parts status needs, or `gone` for a 404. */
export type ServerVideo =
  | { readonly status: VideoStatus; readonly serverStatus: string; readonly expiresAt: number | null; readonly error: { readonly message: string } | null }
  | 'gone';

/** A completed video that expires within this many seconds is flagged `expiring`: download what you need now. */
const EXPIRING_SECONDS = 2 * 3600;

export interface JobStatus {
  readonly id: string;
  /** `null` for an orphan (its shot may be gone too). */
  readonly shot: string | null;
  readonly headline: JobHeadline;
  /** Whether `status` exits 1 because of this row. */
  readonly attention: boolean;
  /** The lockfile entry's status; `null` when the job has no entry. */
  readonly lock: LockStatus | null;
  readonly videoId: string | null;
  /** For a provider with a pool of servers: the one holding the video (the lockfile's `server`). */
  readonly heldBy: string | null;
  readonly video: FileState;
  readonly thumbnail: FileState;
  readonly server: ServerState;
  /** Whether the server was asked (false offline, and for rows without a video id). */
  readonly checked: boolean;
  /** Unix seconds, the server's value when it gave one, else the lockfile's. */
  readonly expiresAt: number | null;
  /** What `render` would do with the job; `null` for an orphan. */
  readonly action: PlanAction | null;
  /** Per recorded output (`video`, `thumbnail`, …): whether the remote holds it; `null` when no remote is named. */
  readonly remote: Readonly<Record<string, boolean>> | null;
  /** Every problem and notable fact, as data, most pressing first (the CLI puts them in words). */
  readonly notes: readonly StatusNote[];
}

export interface StatusTotals {
  readonly jobs: number;
  readonly attention: number;
  readonly files: { readonly ok: number; readonly missing: number; readonly altered: number };
  readonly server: Readonly<Record<Exclude<ServerState, 'none'>, number>>;
  readonly orphans: number;
  readonly notRendered: number;
  readonly offline: boolean;
  /** Recorded outputs the remote holds and lacks; `null` when no remote is named. */
  readonly remote: { readonly held: number; readonly missing: number } | null;
}

export interface StatusReport {
  /** Storyboard order, then orphans sorted by id. */
  readonly rows: readonly JobStatus[];
  readonly totals: StatusTotals;
}

export interface StatusInput {
  readonly plan: Plan;
  /** Recorded output paths (as in the lockfile) → what is on disk; a path not in the map counts as missing. */
  readonly files: ReadonlyMap<string, OutputState>;
  /** Video id → what the server said; `null` offline (the lockfile's own record is used). */
  readonly server: ReadonlyMap<string, ServerVideo> | null;
  /** Unix seconds. */
  readonly now: number;
  /** The sha256 of recorded outputs the remote holds; `null` or absent when no remote is named. */
  readonly remote?: ReadonlySet<string> | null;
}

export function assessStatus(input: StatusInput): StatusReport {
  const rows = [
    ...input.plan.jobs.map((job) => assessRow(job.id, job.shotId, job.entry, job, input)),
    ...[...input.plan.orphans].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((orphan) => assessRow(orphan.id, null, orphan.entry, null, input)),
  ];
  return { rows, totals: { ...totalsOf(rows, input.server === null), remote: remoteTotals(rows) } };
}

function assessRow(id: string, shot: string | null, entry: LockEntry | null, job: PlannedJob | null, input: StatusInput): JobStatus {
  const video = fileState(entry?.outputs.video, input.files);
  const thumbnail = fileState(entry?.outputs.thumbnail, input.files);
  const answer = entry?.video_id ? input.server?.get(entry.video_id) : undefined;
  const checked = answer !== undefined;
  const expiresAt = answer !== undefined && answer !== 'gone' && answer.expiresAt !== null ? answer.expiresAt : (entry?.expires_at ?? null);
  const server = entry === null ? 'none' : serverState(entry, answer, expiresAt, input.now);
  const remote = input.remote
    ? Object.fromEntries(Object.entries(entry?.outputs ?? {}).flatMap(([kind, output]) => (output ? [[kind, input.remote!.has(output.sha256)]] : [])))
    : null;
  const base = {
    id,
    shot,
    lock: entry?.status ?? null,
    videoId: entry?.video_id ?? null,
    heldBy: entry?.server ?? null,
    video,
    thumbnail,
    server,
    checked,
    expiresAt,
    action: job?.action ?? null,
    remote,
  };
  const notes: StatusNote[] = [];
  const headline = headlineOf(base, job, entry, notes, input.now);
  const attention = headline !== 'ok' && headline !== 'expired' && headline !== 'expiring' && headline !== 'gone';
  if (thumbnail === 'missing' || thumbnail === 'altered') notes.push({ code: thumbnail === 'missing' ? 'thumbnail-missing' : 'thumbnail-altered' });
  if (base.heldBy !== null) notes.push({ code: 'held-by', server: base.heldBy });
  for (const [output, held] of Object.entries(remote ?? {})) if (!held) notes.push({ code: 'remote-missing', output });
  return { ...base, headline, attention, notes };
}

type RowFacts = Pick<JobStatus, 'video' | 'server' | 'lock' | 'expiresAt' | 'videoId' | 'checked'>;

/** The row's headline; `notes` collects the facts for it and everything else worth saying. */
function headlineOf(row: RowFacts, job: PlannedJob | null, entry: LockEntry | null, notes: StatusNote[], now: number): JobHeadline {
  const serverNote = noteOfServer(row, now);
  if (job === null) {
    notes.push({ code: 'orphan' });
    if (serverNote) notes.push(serverNote);
    return 'orphan';
  }
  if (entry === null) {
    notes.push({ code: 'not-rendered', blocked: job.action === 'blocked' ? job.reason : null });
    return 'not_rendered';
  }
  const headline = pick(row, job, entry);
  if (headline === 'failed') notes.push({ code: 'failed', message: entry.error?.message ?? null });
  else if (headline === 'in_flight') notes.push({ code: 'in-flight', lock: entry.status });
  else if (headline === 'missing') notes.push({ code: 'file-missing' });
  else if (headline === 'altered') notes.push({ code: 'file-altered' });
  else if (headline === 'rerender' || headline === 'blocked') notes.push({ code: 'plan', reason: job.reason });
  if (job.movedFrom !== null) notes.push({ code: 'renamed', from: job.movedFrom });
  if (serverNote && !(headline === 'in_flight' && row.server === 'in_flight')) notes.push(serverNote);
  if (job.action !== 'reuse') notes.push({ code: 'render-will', action: job.action });
  return headline;
}

function pick(row: RowFacts, job: PlannedJob, entry: LockEntry): JobHeadline {
  if (entry.status === 'failed') return 'failed';
  if (entry.status === 'creating' || entry.status === 'queued' || entry.status === 'in_progress') return 'in_flight';
  if (row.video === 'missing' || row.video === 'none') return 'missing';
  if (row.video === 'altered') return 'altered';
  if (job.action === 'render') return 'rerender';
  if (job.action === 'move') return 'moved';
  if (job.action === 'blocked') return 'blocked';
  if (row.server === 'gone' || row.server === 'expired' || row.server === 'expiring') return row.server;
  // The lockfile says completed but the server disagrees (failed, or still running): worth a look.
  if (row.server === 'failed' || row.server === 'in_flight') return row.server;
  return 'ok';
}

/** What the server (or, offline, the lockfile) says of the video, when worth a note. */
function noteOfServer(row: RowFacts, now: number): StatusNote | null {
  if (row.videoId === null) return null;
  const { checked } = row;
  switch (row.server) {
    case 'expired':
      return { code: 'video-expired', checked, secondsAgo: row.expiresAt !== null && row.expiresAt <= now ? now - row.expiresAt : null };
    case 'expiring':
      return { code: 'video-expiring', checked, inSeconds: row.expiresAt! - now };
    case 'gone':
      return { code: 'video-gone' };
    case 'failed':
      return row.lock === 'failed' ? null : { code: 'video-failed', checked };
    case 'in_flight':
      return { code: 'video-rendering', checked };
    case 'completed':
      return row.lock === 'completed' ? null : { code: 'video-completed', checked };
    default:
      return null;
  }
}

function serverState(entry: LockEntry, answer: ServerVideo | undefined, expiresAt: number | null, now: number): ServerState {
  if (entry.video_id === null) return 'none';
  if (answer === 'gone') return 'gone';
  const status: string = answer?.status ?? entry.status;
  if (answer?.serverStatus === 'expired') return 'expired';
  if (status === 'queued' || status === 'in_progress' || status === 'creating') return 'in_flight';
  if (status === 'failed') return 'failed';
  if (expiresAt !== null && expiresAt <= now) return 'expired';
  if (expiresAt !== null && expiresAt <= now + EXPIRING_SECONDS) return 'expiring';
  return 'completed';
}

function fileState(recorded: { readonly path: string; readonly sha256: string } | undefined, files: ReadonlyMap<string, OutputState>): FileState {
  if (!recorded) return 'none';
  const found = files.get(recorded.path) ?? null;
  if (found === null) return 'missing';
  return found.sha256 === recorded.sha256 ? 'ok' : 'altered';
}

function remoteTotals(rows: readonly JobStatus[]): StatusTotals['remote'] {
  if (rows.every((row) => row.remote === null)) return null;
  const all = rows.flatMap((row) => Object.values(row.remote ?? {}));
  return { held: all.filter(Boolean).length, missing: all.filter((held) => !held).length };
}

function totalsOf(rows: readonly JobStatus[], offline: boolean): Omit<StatusTotals, 'remote'> {
  const count = (test: (row: JobStatus) => boolean) => rows.filter(test).length;
  const server = (state: ServerState) => count((row) => row.server === state);
  return {
    jobs: count((row) => row.headline !== 'orphan'),
    attention: count((row) => row.attention),
    files: { ok: count((row) => row.video === 'ok'), missing: count((row) => row.video === 'missing'), altered: count((row) => row.video === 'altered') },
    server: {
      completed: server('completed'),
      expiring: server('expiring'),
      expired: server('expired'),
      in_flight: server('in_flight'),
      failed: server('failed'),
      gone: server('gone'),
    },
    orphans: count((row) => row.headline === 'orphan'),
    notRendered: count((row) => row.headline === 'not_rendered'),
    offline,
  };
}
