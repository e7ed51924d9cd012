import type { CutEntry, LockCharacter, LockEntry, Lockfile } from '../lockfile/lockfile.js';
import { writeLockfile } from '../lockfile/lockfile-io.js';

/**
 * The one writer of the lockfile during a run. Every state change is applied in memory and
 * written atomically; writes are serialized, and a change made while a write is under way is
 * carried by the next one. `record` resolves once the change is on disk, so a caller can wait
 * for "the video id is recorded" before it polls.
 */
export class LockRecorder {
  private lock: Lockfile;
  private writing: Promise<void> = Promise.resolve();
  private pending: Promise<void> | null = null;

  constructor(
    private readonly lockPath: string,
    initial: Lockfile,
  ) {
    this.lock = initial;
  }

  get current(): Lockfile {
    return this.lock;
  }

  entry(id: string): LockEntry | undefined {
    return this.lock.jobs[id];
  }

  /** Every video id the lockfile holds: a video already claimed by one job is never adopted by another. */
  claimedVideoIds(): Set<string> {
    return new Set(Object.values(this.lock.jobs).flatMap((entry) => (entry.video_id ? [entry.video_id] : [])));
  }

  record(id: string, entry: LockEntry): Promise<void> {
    this.lock = { ...this.lock, jobs: { ...this.lock.jobs, [id]: entry } };
    return this.flush();
  }

  /** One write that puts `entry` under `to` and drops `from`: an adopted orphan's entry changes job id. */
  move(from: string, to: string, entry: LockEntry): Promise<void> {
    const jobs = { ...this.lock.jobs, [to]: entry };
    delete jobs[from];
    this.lock = { ...this.lock, jobs };
    return this.flush();
  }

  /** The character made from these clip bytes on this provider, if one was. */
  character(name: string, clipSha256: string, provider: string): LockCharacter | undefined {
    return this.lock.characters?.find((made) => made.name === name && made.clip_sha256 === clipSha256 && made.provider === provider);
  }

  /** Records a character made; one made before from another clip of that name on that provider is replaced. */
  recordCharacter(character: LockCharacter): Promise<void> {
    const others = (this.lock.characters ?? []).filter((made) => made.name !== character.name || made.provider !== character.provider);
    this.lock = { ...this.lock, characters: [...others, character] };
    return this.flush();
  }

  cut(id: string): CutEntry | undefined {
    return this.lock.cuts?.[id];
  }

  recordCut(id: string, entry: CutEntry): Promise<void> {
    this.lock = { ...this.lock, cuts: { ...this.lock.cuts, [id]: entry } };
    return this.flush();
  }

  /** Drops the entries of films gone from the storyboard (their files stay, as an orphan job's do). */
  removeCuts(ids: readonly string[]): Promise<void> {
    const present = ids.filter((id) => this.lock.cuts?.[id] !== undefined);
    if (present.length === 0) return Promise.resolve();
    const cuts = { ...this.lock.cuts };
    for (const id of present) delete cuts[id];
    this.lock = { ...this.lock, cuts };
    return this.flush();
  }

  remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    const jobs = { ...this.lock.jobs };
    for (const id of ids) delete jobs[id];
    this.lock = { ...this.lock, jobs };
    return this.flush();
  }

  /** Writes the current state once the write under way (if any) is done; calls made meanwhile share that write. */
  private flush(): Promise<void> {
    if (this.pending) return this.pending;
    this.pending = this.writing.then(() => {
      this.pending = null;
      return writeLockfile(this.lockPath, this.lock);
    });
    this.writing = this.pending.catch(() => undefined);
    return this.pending;
  }
}
