import type { Transition } from '../cut/film.js';
import { closestName, describeValue, listOf, truncate } from '../source/describe.js';
import { formatDocPath, type Issue, type Origin } from '../source/issue.js';
import type { Rejections } from '../source/rejections.js';
import { issueAt, type YamlSource } from '../source/yaml-source.js';
import { bindCutShot, type ShotBinding } from './bind-cut-shot.js';
import { CUT_DEFAULTS, type CutClipEntry } from './cut.js';
import { compilePath, renderPath, type CutFileRef, type PathTemplate } from './cut-paths.js';
import { fieldSettersOf } from './field-setters.js';
import { FilmIssueGroups } from './film-issue-groups.js';
import { matrixSize, MAX_JOBS } from './job-count.js';
import { formatJobId, type Binding, type ResolvedJob } from './job.js';
import { defineOwn, type StoryboardDraft } from './resolve-storyboard.js';
import { TemplateSet, type TemplateContext } from './templates.js';
import { axesOf, expandMatrix, type ReportAt } from './variants.js';
import type { WrittenCut, WrittenStoryboard, WrittenTransition } from './written.js';

/**
 * The storyboard's `cuts:` → one draft per cut and combination of its variants: shot entries
 * bound to their jobs (bind-cut-shot.ts), image and music paths rendered, settings defaulted.
 * Pure: the files are read after (read-cut-files.ts) and the film checked with them
 * (validate-cuts.ts). Every problem is an issue; a film meeting one is still drafted, with the
 * entry it could not resolve left `null`, so its other entries are checked too.
 */

export interface CutsInput {
  readonly storyboard: StoryboardDraft;
  /** The main file: cuts are written only there. */
  readonly source: YamlSource;
  /** What the schema rejected in the main file: a cut with anything rejected is left out. */
  readonly rejected: Rejections;
  readonly jobs: readonly ResolvedJob[];
  /**
   * Shots whose jobs may be missing because of problems already reported (`'all'`: any shot's):
   * an entry finding no job of one of them says nothing more.
   */
  readonly inDoubt: ReadonlySet<string> | 'all';
  readonly projectRoot: string;
}

export interface CutDraft {
  readonly id: string;
  readonly cutId: string;
  readonly cutIndex: number;
  readonly bindings: readonly Binding[];
  /** `WIDTHxHEIGHT` and where it was set; `null` when only an image can say (measured later). */
  readonly size: { readonly text: string; readonly at: readonly (string | number)[] } | null;
  /** `false` when the film's size is in question (set twice, or not a size: reported): its entries are not measured against it. */
  readonly settled: boolean;
  readonly fps: number;
  /** `null` for an entry that could not be resolved (reported, or in doubt). */
  readonly sequence: readonly (CutClipEntry | DraftImage | null)[];
  /** `undefined` when the path could not be rendered (reported). */
  readonly music: CutFileRef | null | undefined;
  readonly musicGainDb: number;
  readonly loudnessLufs: number;
  readonly origin: Origin;
}

export interface DraftImage {
  readonly kind: 'image';
  readonly file: CutFileRef;
  readonly seconds: number;
  readonly transitionIn: Transition;
  readonly origin: Origin;
}

export function resolveCuts(input: CutsInput): { drafts: CutDraft[]; issues: Issue[] } {
  const written = (input.source.value as WrittenStoryboard).cuts;
  const issues: Issue[] = [];
  if (written === undefined || input.rejected.covers(['cuts'])) return { drafts: [], issues };
  const readable = written.map((cut, index) => ({ cut, index })).filter(({ index }) => !input.rejected.touches(['cuts', index]));
  const tooMany = filmCountIssue(input.source, readable);
  if (tooMany) return { drafts: [], issues: [tooMany] };

  const groups = new FilmIssueGroups();
  const drafts: CutDraft[] = [];
  const ids = new Map<string, number>();
  // One template set for every cut's paths: its meter bounds their work together.
  const templates = new TemplateSet(input.storyboard.partials, input.storyboard.unknowns.partials);
  const jobs = indexJobs(input.jobs);
  for (const { cut, index } of readable) {
    const first = ids.get(cut.id);
    if (first !== undefined) {
      issues.push(
        issueAt(input.source, ['cuts', index, 'id'], {
          code: 'duplicate-cut-id',
          message: `cut id "${cut.id}" is also the id of cuts[${first}]`,
          hint: 'give each cut its own id',
        }),
      );
      continue;
    }
    ids.set(cut.id, index);
    drafts.push(...new CutResolver(input, jobs, cut, index, templates, issues, groups).films());
  }
  const films = new Map<number, number>();
  for (const draft of drafts) films.set(draft.cutIndex, (films.get(draft.cutIndex) ?? 0) + 1);
  issues.push(...groups.issues((cutIndex) => films.get(cutIndex) ?? 0));
  return { drafts, issues };
}

/** Like jobs, films are counted before any is made: a matrix is a product. */
function filmCountIssue(source: YamlSource, cuts: readonly { cut: WrittenCut; index: number }[]): Issue | null {
  let total = 0;
  let largest: { cut: WrittenCut; index: number; count: number } | null = null;
  for (const { cut, index } of cuts) {
    const count = matrixSize(cut.variants);
    total += count;
    if (largest === null || count > largest.count) largest = { cut, index, count };
  }
  if (total <= MAX_JOBS || largest === null) return null;
  return issueAt(
    source,
    ['cuts', largest.index, 'variants'],
    {
      code: 'too-many-films',
      message: `the cuts make ${total.toLocaleString('en-US')} films, more than the ${MAX_JOBS.toLocaleString('en-US')} a storyboard may have; cut "${largest.cut.id}" makes ${largest.count.toLocaleString('en-US')}`,
      expected: `at most ${MAX_JOBS.toLocaleString('en-US')} films (axes multiplied, plus include entries, before exclude)`,
      found: total.toLocaleString('en-US'),
      hint: 'drop values from the axes, or split the campaign into several storyboards',
    },
    { key: true },
  );
}

const SIZE_FORM = /^([1-9]\d{1,4})x([1-9]\d{1,4})$/;

class CutResolver {
  private readonly at: readonly (string | number)[];
  private readonly report: ReportAt;
  /** Indexes of entries whose shot is unknown (reported once for the cut, not per film). */
  private readonly unknownShots = new Set<number>();
  private readonly images = new Map<number, PathTemplate | null>();
  private music: PathTemplate | null | undefined;
  private readonly shotAxes = new Map<string, ReadonlySet<string>>();
  private readonly bound = new Map<string, ShotBinding>();

  constructor(
    private readonly input: CutsInput,
    private readonly jobs: JobIndex,
    private readonly cut: WrittenCut,
    private readonly index: number,
    private readonly templates: TemplateSet,
    private readonly issues: Issue[],
    private readonly groups: FilmIssueGroups,
  ) {
    this.at = ['cuts', index];
    this.report = (at, fields, options) => issues.push(issueAt(input.source, at, fields, options));
  }

  /** Every film of the cut, after the checks that do not depend on the film. */
  films(): CutDraft[] {
    const combinations =
      this.cut.variants === undefined
        ? [{ bindings: [] }]
        : expandMatrix({ variants: this.cut.variants, shotPath: this.at, file: this.input.source.file, inherited: [] }, this.report);
    this.checkShotNames();
    this.compileTemplates();
    const sizeTwice = this.checkSizeSetters(combinations.map((combination) => combination.bindings));
    return combinations.map(({ bindings }) => this.film(bindings, sizeTwice));
  }

  private checkShotNames(): void {
    const { storyboard } = this.input;
    const known = storyboard.shots.map((shot) => shot.written.id);
    this.cut.sequence.forEach((entry, j) => {
      const name = shotNameOf(entry);
      if (name === null || known.includes(name)) return;
      this.unknownShots.add(j);
      if (storyboard.unknowns.shots) return; // an unreadable shot may be the one named
      const guess = closestName(name, known);
      this.report(this.entryAt(j, 'shot'), {
        code: 'unknown-shot',
        message: `cut "${this.cut.id}" plays shot "${truncate(name)}", which is not a shot of this storyboard`,
        expected: `one of ${listOf(known)}`,
        found: truncate(name),
        hint: guess ? `did you mean "${guess}"?` : 'name a shot by its id, or write {image: path, seconds: S} for a still',
      });
    });
  }

  private compileTemplates(): void {
    const { storyboard } = this.input;
    const renderable = !storyboard.unknowns.vars && storyboard.unknowns.partials !== 'all' && storyboard.unknowns.partials.size === 0;
    const axes = [...axesOf(this.cut.variants), ...(this.cut.variants?.include ?? []).flatMap((entry) => Object.keys(entry))];
    const names = renderable ? new Set(['size', 'fps', ...Object.keys(storyboard.vars), ...axes]) : null;
    const compile = (at: readonly (string | number)[], what: string) =>
      renderable ? compilePath(this.templates, this.input.source, at, what, names, this.issues) : null;
    this.cut.sequence.forEach((entry, j) => {
      if (typeof entry === 'object' && entry.image !== undefined)
        this.images.set(j, compile(this.entryAt(j, 'image'), `the image of ${formatDocPath([...this.at, 'sequence', j])}`));
    });
    if (this.cut.audio?.music !== undefined) this.music = compile([...this.at, 'audio', 'music'], `the music of cut "${this.cut.id}"`);
  }

  /**
   * The film's size may be set once: by the cut's `size`, or by a binding (an axis named size, a
   * map value's `size` key). Reported once for the cut; `true` when it is set twice somewhere.
   */
  private checkSizeSetters(combinations: readonly (readonly Binding[])[]): boolean {
    for (const bindings of combinations) {
      const setters = fieldSettersOf(bindings).filter((setter) => setter.field === 'size');
      if (setters.length === 0 || (setters.length === 1 && this.cut.size === undefined)) continue;
      const [first, second] = setters;
      const twice = second ? `${first!.what} and by ${second.what}` : `the cut and by its ${first!.what}`;
      this.report(
        second ? second.binding.origin.path : [...this.at, 'size'],
        { code: 'field-set-twice', message: `the film's size is set both by ${twice}`, hint: 'remove one of the two' },
        { key: second === undefined },
      );
      return true;
    }
    return false;
  }

  private film(bindings: readonly Binding[], sizeTwice: boolean): CutDraft {
    const id = formatJobId(this.cut.id, bindings);
    const sized = sizeTwice ? 'invalid' : this.sizeOf(bindings, id);
    const settled = sized !== 'invalid';
    let size = settled ? sized : null;
    const sequence = this.cut.sequence.map((entry, j) =>
      typeof entry === 'object' && entry.image !== undefined ? null : this.clipEntry(entry, j, bindings, size?.text ?? null, id),
    );
    const clips = sequence.filter((entry) => entry !== null);
    const firstClip = clips[0];
    if (size === null && settled && firstClip) {
      const j = sequence.indexOf(firstClip);
      size = { text: `${firstClip.width}x${firstClip.height}`, at: this.entryAt(j, 'shot') };
    }
    const fps = this.cut.fps ?? agreedFps(clips.map((clip) => this.videoJob(clip.job))) ?? CUT_DEFAULTS.fps;
    const context = this.contextFor(bindings, size?.text ?? null, fps);
    const withImages = sequence.map((entry, j) => entry ?? this.imageEntry(j, context, id));
    const music = this.music === undefined ? null : this.renderFile(this.music, context, id);
    return {
      id,
      cutId: this.cut.id,
      cutIndex: this.index,
      bindings,
      size,
      settled,
      fps,
      sequence: withImages,
      music: music ?? (this.music === undefined ? null : undefined),
      musicGainDb: this.cut.audio?.music_gain_db ?? CUT_DEFAULTS.musicGainDb,
      loudnessLufs: this.cut.audio?.loudness ?? CUT_DEFAULTS.loudnessLufs,
      origin: { file: this.input.source.file, path: this.at },
    };
  }

  /** A binding that sets the size (checked as a size), else the cut's `size`; `null` to take it from the entries. */
  private sizeOf(bindings: readonly Binding[], filmId: string): CutDraft['size'] | 'invalid' {
    const setter = fieldSettersOf(bindings).find((candidate) => candidate.field === 'size');
    if (setter) {
      const text = typeof setter.binding.value === 'object' ? null : String(setter.binding.value);
      if (text !== null && SIZE_FORM.test(text)) return { text, at: setter.binding.origin.path };
      const found = truncate(describeValue(setter.binding.value));
      const fields = {
        code: 'invalid-value',
        message: `${setter.what} sets the film's size; expected a size written WIDTHxHEIGHT, like 1280x720, found ${found}`,
        expected: 'WIDTHxHEIGHT',
        found,
      };
      this.groups.add(issueAt(this.input.source, setter.binding.origin.path, fields), this.index, filmId);
      return 'invalid';
    }
    return this.cut.size === undefined ? null : { text: this.cut.size, at: [...this.at, 'size'] };
  }

  private clipEntry(
    entry: WrittenCut['sequence'][number],
    j: number,
    bindings: readonly Binding[],
    filmSize: string | null,
    filmId: string,
  ): CutClipEntry | null {
    const name = shotNameOf(entry);
    if (name === null || this.unknownShots.has(j)) return null;
    const { inDoubt } = this.input;
    const doubted = inDoubt === 'all' || inDoubt.has(name);
    const jobs = this.jobs.byShot.get(name) ?? [];
    const found = this.bind(name, jobs, bindings, filmSize);
    const at = this.entryAt(j, 'shot');
    if (found.kind === 'none') {
      if (doubted) return null;
      const what = found.shared.length > 0 ? `has no job with ${found.shared.map((b) => `${b.axis}=${b.label}`).join(', ')}` : 'has no jobs';
      const fields = {
        code: 'cut-shot-unresolved',
        message: `shot "${name}" ${what}`,
        expected: `a job of shot "${name}" whose variant bindings agree with the film's`,
        found: jobs.length > 0 ? listOf(jobs.map((job) => job.id)) : 'no jobs',
        hint: `add the value to the variants of shot "${name}", or leave this combination out of the cut (variants.exclude)`,
      };
      this.groups.add(issueAt(this.input.source, at, fields), this.index, filmId);
      return null;
    }
    if (found.kind === 'several') {
      const ids = found.candidates.map((job) => job.id);
      const fields = {
        code: 'cut-shot-ambiguous',
        message: `${ids.length} jobs of shot "${name}" agree with the film: ${listOf(ids)}`,
        expected: 'exactly one job',
        found: listOf(ids),
        hint:
          found.apart.length > 0
            ? `add ${found.apart.map((axis) => `"${axis}"`).join(', ')} to the cut's variants, so that each film plays one job`
            : 'give the cut the variant axes that tell these jobs apart',
      };
      this.groups.add(issueAt(this.input.source, at, fields), this.index, filmId);
      return null;
    }
    const { job } = found;
    const [width, height] = job.size.value.split('x').map(Number) as [number, number];
    // The video the job makes: an extension's (and an edit's of an extended video) is the whole extended length.
    const clipSeconds = job.video.seconds;
    const written = typeof entry === 'object' ? entry : {};
    return {
      kind: 'clip',
      job: job.id,
      width,
      height,
      clipSeconds,
      from: written.from ?? 0,
      to: written.to ?? clipSeconds,
      transitionIn: transitionOf(written.transition),
      origin: this.origin(j),
    };
  }

  /**
   * `bindCutShot`, once per shot and distinct values of the axes it binds: films that differ only
   * in axes the shot does not have (a cut per market of a shot per product) play the same job.
   */
  private bind(name: string, jobs: readonly ResolvedJob[], bindings: readonly Binding[], filmSize: string | null): ShotBinding {
    let axes = this.shotAxes.get(name);
    if (!axes) this.shotAxes.set(name, (axes = new Set(jobs.flatMap((job) => job.bindings.map((binding) => binding.axis)))));
    const key = [name, filmSize, ...bindings.filter((binding) => axes.has(binding.axis)).map((binding) => `${binding.axis}=${binding.label}`)].join('\0');
    let found = this.bound.get(key);
    if (!found) this.bound.set(key, (found = bindCutShot(jobs, bindings, filmSize)));
    return found;
  }

  private imageEntry(j: number, context: TemplateContext, filmId: string): DraftImage | null {
    const template = this.images.get(j);
    const entry = this.cut.sequence[j] as Exclude<WrittenCut['sequence'][number], string>;
    if (!template) return null;
    const file = this.renderFile(template, context, filmId);
    return file === undefined ? null : { kind: 'image', file, seconds: entry.seconds!, transitionIn: transitionOf(entry.transition), origin: this.origin(j) };
  }

  private renderFile(template: PathTemplate | null, context: TemplateContext, filmId: string): CutFileRef | undefined {
    if (template === null) return undefined;
    const rendered = renderPath(template, context, this.input.source, this.input.storyboard.dir, this.input.projectRoot);
    if ('issue' in rendered) {
      this.groups.add(rendered.issue, this.index, filmId);
      return undefined;
    }
    return rendered.file;
  }

  /** The job whose request made the video: a remix sends only a prompt, so its video has its first ancestor's `fps`. */
  private videoJob(jobId: string): ResolvedJob {
    let job = this.jobs.byId.get(jobId)!;
    for (let parent = job.remixOf; parent !== null; parent = job.remixOf) job = this.jobs.byId.get(parent) ?? { ...job, remixOf: null };
    return job;
  }

  /** What a path template sees: `vars`, the film's `size` (when known) and `fps`, then the film's bindings, which win. */
  private contextFor(bindings: readonly Binding[], size: string | null, fps: number): TemplateContext {
    const context: TemplateContext = {};
    for (const [name, value] of Object.entries(this.input.storyboard.vars)) defineOwn(context, name, value);
    if (size !== null) context['size'] = size;
    context['fps'] = fps;
    for (const binding of bindings) defineOwn(context, binding.axis, binding.value);
    return context;
  }

  /** Where an entry's field is written; the entry itself when the field is not (a bare shot id, a default). */
  private entryAt(j: number, field: string): (string | number)[] {
    const entry = this.cut.sequence[j];
    return typeof entry === 'object' && Object.hasOwn(entry, field) ? [...this.at, 'sequence', j, field] : [...this.at, 'sequence', j];
  }

  private origin(j: number): Origin {
    return { file: this.input.source.file, path: [...this.at, 'sequence', j] };
  }
}

interface JobIndex {
  readonly byId: ReadonlyMap<string, ResolvedJob>;
  readonly byShot: ReadonlyMap<string, readonly ResolvedJob[]>;
}

function indexJobs(jobs: readonly ResolvedJob[]): JobIndex {
  const byId = new Map<string, ResolvedJob>();
  const byShot = new Map<string, ResolvedJob[]>();
  for (const job of jobs) {
    byId.set(job.id, job);
    const list = byShot.get(job.shotId) ?? [];
    list.push(job);
    byShot.set(job.shotId, list);
  }
  return { byId, byShot };
}

function shotNameOf(entry: WrittenCut['sequence'][number]): string | null {
  return typeof entry === 'string' ? entry : (entry.shot ?? null);
}

function transitionOf(written: WrittenTransition | undefined): Transition {
  if (written === undefined || written === 'cut') return 'cut';
  if (written.crossfade !== undefined) return { crossfade: written.crossfade };
  return { fade: written.fade! };
}

/** The clips' own frame rate, when every one of them sets the same `fps` request field. */
function agreedFps(jobs: readonly ResolvedJob[]): number | null {
  const rates = new Set(jobs.map((job) => job.extra?.['fps']));
  const [rate] = rates;
  return jobs.length > 0 && rates.size === 1 && typeof rate === 'number' ? rate : null;
}
