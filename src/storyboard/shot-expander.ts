import { builtinsTaking } from '../providers/builtin.js';
import { modelOf, type WireValue } from '../providers/profile.js';
import type { Issue } from '../source/issue.js';
import { describeValue, truncate } from '../source/describe.js';
import { formatJobId, type Binding, type FieldValue, type ResolvedJob } from './job.js';
import type { ResolvedShot, StoryboardDraft } from './resolve-storyboard.js';
import { defineOwn, yamlSite } from './resolve-storyboard.js';
import { parseRefresh } from './refresh.js';
import { EXTRA_FIELDS, extraAxisValue, isExtraField, resolveExtraFields, takes, type ExtraField, type ExtraRequest } from './extra-fields.js';
import { modelTakesIssues } from './model-request-issues.js';
import { JobIssueGroups } from './job-issue-groups.js';
import { TemplatePathCheck } from './template-paths.js';
import {
  budgetIssue,
  cleanRenderError,
  locateRenderError,
  TemplateSet,
  type PrintedPath,
  type RenderTemplate,
  type TemplateContext,
  type TemplateSite,
} from './templates.js';
import { fieldSettersOf, type FieldSetter } from './field-setters.js';
import { TemplateBudgetError } from './template-budget.js';
import { axesOf, expandMatrix, type ReportAt } from './variants.js';
import { REQUEST_FIELDS, type RequestField } from './written.js';
import { issueAt } from '../source/yaml-source.js';
import { CHILD_VERB, parentOf, type ParentKind, type ShotParent } from './parent-link.js';
import { inheritedFields, refusedSetterIssue, refusedSetters, videoOf } from './child-fields.js';
import { resolveWrittenPath } from './written-path.js';
import { providerDefault, unservedFields } from './served-fields.js';

/**
 * One shot's jobs: its templates compiled, each variant's request fields resolved and checked
 * against the provider, its prompt and image path rendered within their limits, every problem
 * located where it was written and reported once for the jobs that meet it.
 */
/** Longest prompt the protocol accepts, after rendering. */
export const MAX_PROMPT_CHARS = 32_000;
/** Longest input_reference path, after rendering (Linux's PATH_MAX). */
export const MAX_PATH_CHARS = 4_096;

export interface Pacer {
  due(): boolean;
  pause(): Promise<void>;
}

/** A compiled template and where it was written, to locate a render error in it. */
interface Renderer {
  readonly render: RenderTemplate;
  readonly site: TemplateSite;
}

interface Renderers {
  readonly prompt: Renderer;
  readonly inputReference: Renderer | null;
  /** Paths the templates print, checked against each job's values. */
  readonly printed: readonly PrintedPath[];
}

export class ShotExpander {
  private readonly shotPath: readonly (string | number)[];
  private readonly report: ReportAt;
  private readonly varEntries: readonly [string, unknown][];
  /** Axes already reported for this shot: a matrix of 50 jobs gets one issue per axis, not 50. */
  private readonly reportedAxes = new Set<string>();
  /** The templates' paths against every job's values, reported once per path for the whole shot. */
  private readonly paths = new TemplatePathCheck();
  /** Problems each job meets in its own rendering, reported once per place for the jobs that meet them. */
  private readonly perJob = new JobIssueGroups();
  /** The shot this one follows (remix, edit, extend, continue), if any. */
  private readonly link: ShotParent | null;

  constructor(
    private readonly storyboard: StoryboardDraft,
    private readonly shot: ResolvedShot,
    private readonly templates: TemplateSet,
    private readonly issues: Issue[],
  ) {
    this.shotPath = shot.origin.path;
    this.link = parentOf(shot.written);
    this.varEntries = Object.entries(storyboard.vars);
    this.report = (at, fields, options) => issues.push(this.issue(at, fields, options));
  }

  issue(at: readonly (string | number)[], fields: Parameters<ReportAt>[1], options?: { key?: boolean }, file = this.shot.origin.file): Issue {
    return issueAt(this.storyboard.sources.get(file)!, at, fields, options);
  }

  promptSite(): TemplateSite {
    return yamlSite(this.storyboard.sources.get(this.shot.origin.file)!, [...this.shotPath, 'prompt']);
  }

  /**
   * Checks and compiles the shot's templates once; `null` when they have errors or cannot be
   * rendered (`renderable` false: values are unknown). With `names` unknown, a variable is not
   * checked to be defined.
   */
  compileTemplates(names: ReadonlySet<string> | null, ancestorAxes: ReadonlySet<string>, renderable: boolean): Renderers | null {
    const source = this.storyboard.sources.get(this.shot.origin.file)!;
    const { rejected } = this.shot;
    const found: Issue[] = [];
    const printed: PrintedPath[] = [];
    const analyze = (field: 'prompt' | 'input_reference'): TemplateSite | null => {
      if (rejected.has(field) || this.shot.written[field] === undefined) return null;
      const site = yamlSite(source, [...this.shotPath, field]);
      const analyzed = this.templates.analyze(site, names, `the ${field} of shot "${this.shot.written.id}"`);
      found.push(...analyzed.issues);
      printed.push(...analyzed.printed);
      return site;
    };
    const promptSite = analyze('prompt');
    const refSite = analyze('input_reference');
    found.push(...this.axisClashes(ancestorAxes));
    this.issues.push(...found);
    if (found.length > 0 || !promptSite || rejected.has('input_reference') || !renderable || names === null) return null;
    const compile = (site: TemplateSite): Renderer => ({ render: this.templates.compile(site.text), site });
    return { prompt: compile(promptSite), inputReference: refSite ? compile(refSite) : null, printed };
  }

  /** What the shot's jobs met, each problem once: call after the last `jobsFor`. */
  jobIssues(): Issue[] {
    return [...this.paths.issues(), ...this.perJob.issues()];
  }

  /**
   * The jobs of this shot for one parent job (or none, for a shot that follows no other). Without
   * renderers (the templates have errors) it only checks the matrix and request fields.
   */
  async jobsFor(parent: ResolvedJob | null, renderers: Renderers | null, pacer: Pacer): Promise<ResolvedJob[]> {
    const written = this.shot.written;
    const combos = expandMatrix(
      { variants: written.variants, shotPath: this.shotPath, file: this.shot.origin.file, inherited: parent?.bindings ?? [] },
      this.report,
    );
    const jobs: ResolvedJob[] = [];
    for (const combo of combos) {
      if (pacer.due()) await pacer.pause();
      const bindings = [...(parent?.bindings ?? []), ...combo.bindings];
      const setters = fieldSettersOf(combo.bindings);
      const kind = parent && this.link ? this.link.kind : null;
      if (kind && !this.childSetsOnlyOwnFields(setters, kind)) continue;
      const inherited = parent && kind ? inheritedFields(parent, kind) : null;
      const fields = inherited && 'all' in inherited ? inherited.all : this.resolveFields(setters, inherited?.some);
      if (!fields || !renderers) continue;
      const id = formatJobId(written.id, bindings);
      // Only a create (a continuation is one) sends extra fields; the other children send a prompt (and seconds).
      const extra = kind === null || kind === 'continue' ? this.resolveExtra(setters, id) : null;
      if (extra === false) continue;
      const context = this.contextFor(bindings, fields);
      if (!this.paths.check(renderers.printed, context, bindings, id)) continue;
      const prompt = this.render(renderers.prompt, context, id, 'prompt');
      const refText = renderers.inputReference ? this.render(renderers.inputReference, context, id, 'input_reference') : null;
      if (prompt === null || (renderers.inputReference && refText === null)) continue;
      const inputReference = refText === null ? null : this.inputReferenceOf(refText, id);
      if (refText !== null && inputReference === null) continue;
      if (!parent && !this.modelTakes(fields, extra, refText !== null, id)) continue;
      const jobParent = parent && kind ? { kind, job: parent.id } : null;
      jobs.push({
        id,
        shotId: written.id,
        shotIndex: this.shot.index,
        bindings,
        prompt,
        model: fields.model,
        size: fields.size,
        seconds: fields.seconds,
        extra,
        inputReference,
        remixOf: kind === 'remix' ? parent!.id : null,
        parent: jobParent,
        video: videoOf(parent, kind, fields.seconds),
        characters: written.characters ?? [],
        refresh: written.refresh === undefined ? null : parseRefresh(written.refresh),
        frozen: written.frozen === true,
        origin: this.shot.origin,
      });
    }
    return jobs;
  }

  /**
   * Extra request fields (`seed`, `fps`, ...): a variant binding that sets it (a seed sweep), else
   * the shot's field, else `defaults`. `false` when a binding cannot set its field (reported once).
   */
  private resolveExtra(setters: readonly FieldSetter[], jobId: string): ExtraRequest | null | false {
    const { profile } = this.storyboard.provider!;
    const fromShot = resolveExtraFields(this.shot.written, this.storyboard.extraDefaults, jobId);
    // The common case, kept cheap: 10,000 jobs are expanded per plan.
    if (!setters.some((setter) => isExtraField(setter.field))) return fromShot;
    const extra: Record<string, WireValue> = { ...fromShot };
    let ok = true;
    for (const field of EXTRA_FIELDS) {
      const setter = this.onlySetter(setters, field);
      if (setter === undefined) continue;
      if (setter === false) ok = false;
      else if (this.shot.written[field] !== undefined) {
        this.reportAxisOnce(setter.what, [...this.shotPath, field], {
          code: 'field-set-twice',
          message: `${field} is set both by the shot and by its ${setter.what}`,
          hint: 'remove one of the two',
        });
        ok = false;
      } else if (!takes(profile, field)) {
        this.reportAxisOnce(setter.what, this.setterPath(setter), {
          code: 'unsupported-field',
          message: `${setter.what} sets the request field ${field}, which provider "${profile.name}" does not take`,
          hint: `${setter.byKey ? 'rename the key' : 'name the axis differently'} to use it in the prompt only, or render with a provider that takes ${field} (${builtinsTaking(field).join(', ')})`,
        });
        ok = false;
      } else {
        const value = extraAxisValue(field, setter.binding.value, jobId);
        if ('value' in value) extra[field] = value.value;
        else {
          const found = truncate(describeValue(setter.binding.value));
          this.report(setter.binding.origin.path, {
            code: 'invalid-value',
            message: `${setter.what} sets the request field; expected ${value.expected}, found ${found}`,
            expected: value.expected,
            found,
          });
          ok = false;
        }
      }
    }
    if (!ok) return false;
    // At least one binding's field is set here; keys in EXTRA_FIELDS order, as resolveExtraFields gives them.
    return Object.fromEntries(EXTRA_FIELDS.filter((field) => field in extra).map((field) => [field, extra[field]!]));
  }

  /**
   * The one binding that sets `field`; undefined when none does, false when several do (two axes,
   * or an axis and a map key: which should win is the user's call, reported once).
   */
  private onlySetter(setters: readonly FieldSetter[], field: string): FieldSetter | undefined | false {
    const mine = setters.filter((setter) => setter.field === field);
    if (mine.length <= 1) return mine[0];
    const [first, second] = mine as [FieldSetter, FieldSetter];
    this.reportAxisOnce(`${first.what}+${second.what}`, this.setterPath(second), {
      code: 'field-set-twice',
      message: `${field} is set both by ${first.what} and by ${second.what}`,
      hint: 'remove one of the two',
    });
    return false;
  }

  /** A remix or an edit sends only its prompt (an extension, its seconds too): a binding named like another request field (an axis, or a map's key) could set nothing. */
  private childSetsOnlyOwnFields(setters: readonly FieldSetter[], kind: ParentKind): boolean {
    const refused = refusedSetters(setters, kind);
    for (const setter of refused) this.reportAxisOnce(setter.what, this.setterPath(setter), refusedSetterIssue(setter, kind));
    return refused.length === 0;
  }

  /** Where a setter is reported: a map's key itself, or the axis's key under `variants`. */
  private setterPath(setter: FieldSetter): readonly (string | number)[] {
    return setter.byKey ? setter.binding.origin.path : this.axisKeyPath(setter.binding);
  }

  /** The axis's key under `variants` when it is declared there; else (an include entry's own key) where its value is. */
  private axisKeyPath(binding: Binding): readonly (string | number)[] {
    return axesOf(this.shot.written.variants).includes(binding.axis) ? [...this.shotPath, 'variants', binding.axis] : binding.origin.path;
  }

  private reportAxisOnce(axis: string, at: readonly (string | number)[], fields: Parameters<ReportAt>[1]): void {
    if (this.reportedAxes.has(axis)) return;
    this.reportedAxes.add(axis);
    this.report(at, fields, { key: true });
  }

  /** A child (a remix, ...) inherits its parent's axes; binding one of them again would make ids ambiguous. */
  private axisClashes(ancestorAxes: ReadonlySet<string>): Issue[] {
    const verb = this.link ? CHILD_VERB[this.link.kind] : 'follows';
    return axesOf(this.shot.written.variants)
      .filter((axis) => ancestorAxes.has(axis))
      .map((axis) =>
        this.issue(
          [...this.shotPath, 'variants', axis],
          {
            code: 'axis-clash',
            message: `variant axis "${axis}" is already bound by the shot this one ${verb}`,
            hint: 'a shot inherits the bindings of the shot it follows; name this axis differently',
          },
          { key: true },
        ),
      );
  }

  private contextFor(bindings: readonly Binding[], fields: Pick<ResolvedJob, 'model' | 'size' | 'seconds'>): TemplateContext {
    // Plain assignments rather than spreads: this runs once per job, 10,000 times in a large campaign.
    // `defineOwn` for names from the user: a variable or axis named `__proto__` would otherwise
    // replace the context's prototype (and vanish from the prompt) instead of being a value.
    const context: TemplateContext = {};
    for (const [name, value] of this.varEntries) defineOwn(context, name, value);
    context['model'] = fields.model?.value ?? null;
    context['size'] = fields.size.value;
    context['seconds'] = fields.seconds.value;
    for (const binding of bindings) defineOwn(context, binding.axis, binding.value);
    return context;
  }

  /** A template rendered for one job, within its length limit and the step limits; `null` (and an issue) when it cannot be. */
  private render({ render, site }: Renderer, context: TemplateContext, jobId: string, field: 'prompt' | 'input_reference'): string | null {
    const prompt = field === 'prompt';
    try {
      return render(context, prompt ? MAX_PROMPT_CHARS : MAX_PATH_CHARS);
    } catch (error) {
      if (error instanceof TemplateBudgetError) {
        if (error.kind === 'storyboard') throw error;
        this.perJob.add(budgetIssue(site, `the ${field} of shot "${this.shot.written.id}"`, error, prompt ? 'prompt-too-long' : 'input-reference-path'), jobId);
        return null;
      }
      // What differs per job (the value a name was looked up in) is not part of the message, so that one cause is one issue.
      const [what, detail] = cleanRenderError(error).split(/: (.*)/s);
      const issue = this.issue([...this.shotPath, field], {
        code: 'unknown-variable',
        message: `${what} in the ${field} of shot "${this.shot.written.id}"`,
        found: detail,
        hint: 'every variable a template uses must be defined for every job of the shot',
      });
      // Point at the variable itself when the error is in this template, not in a partial.
      this.perJob.add({ ...issue, ...locateRenderError(site, error) }, jobId);
      return null;
    }
  }

  /**
   * Request fields: a variant binding that sets it (an axis of that name, a map's key), else the
   * shot's field, else what the parent job hands down (`inherited`), else `defaults`, else the provider's.
   */
  private resolveFields(
    setters: readonly FieldSetter[],
    inherited: Partial<Record<RequestField, FieldValue | null>> = {},
  ): Pick<ResolvedJob, 'model' | 'size' | 'seconds'> | null {
    const profile = this.storyboard.provider?.profile;
    const resolved: Partial<Record<RequestField, FieldValue | null>> = {};
    let ok = true;
    // A field whose value was rejected (in the shot or in defaults), or a provider that is unknown: nothing to check it against.
    let known = profile !== undefined;
    for (const field of REQUEST_FIELDS) {
      const setter = this.onlySetter(setters, field);
      const shotValue = this.shot.written[field];
      const handedDown = Object.hasOwn(inherited, field);
      if (this.shot.rejected.has(field) || (!setter && shotValue === undefined && !handedDown && this.storyboard.unknowns.defaults.has(field))) {
        known = false;
        continue;
      }
      if (setter === false) {
        ok = false;
        continue;
      }
      if (setter && shotValue !== undefined) {
        this.report(
          [...this.shotPath, field],
          { code: 'field-set-twice', message: `${field} is set both by the shot and by its ${setter.what}`, hint: `remove one of the two` },
          { key: true },
        );
        ok = false;
        continue;
      }
      if (setter) {
        const value = axisFieldValue(field, setter, this.report);
        if (value === null) ok = false;
        resolved[field] = value === null ? null : { value, origin: setter.binding.origin };
      } else if (shotValue !== undefined) {
        resolved[field] = { value: String(shotValue), origin: { file: this.shot.origin.file, path: [...this.shotPath, field] } };
      } else if (handedDown) {
        resolved[field] = inherited[field] ?? null;
      } else if (profile) {
        resolved[field] = this.storyboard.defaults[field] ?? providerDefault(profile, field);
      }
    }
    if (!ok || !known) return null;
    const fields = { model: resolved.model ?? null, size: resolved.size!, seconds: resolved.seconds! };
    // Model, size and seconds must be ones the provider serves.
    const problems = unservedFields(this.storyboard.provider!.profile, fields);
    for (const problem of problems) {
      if (problem.field) this.fieldIssue(problem.field, problem.issue);
      else this.report(this.shotPath, problem.issue);
    }
    return problems.length === 0 ? fields : null;
  }

  /** The job's image and extra fields, against what its model takes (a model of a protocol profile may take less than its profile). */
  private modelTakes(fields: Pick<ResolvedJob, 'model'>, extra: ExtraRequest | null, hasImage: boolean, jobId: string): boolean {
    const { profile } = this.storyboard.provider!;
    const model = fields.model === null ? undefined : modelOf(profile, fields.model.value);
    if (!model || fields.model === null) return true;
    const problems = modelTakesIssues(profile, fields.model.value, model, Object.keys(extra ?? {}), hasImage);
    for (const problem of problems) {
      // Where the field was set: the shot, else a variant axis of its name (a seed sweep), else `defaults`.
      const defaults = this.storyboard.extraDefaults[problem.field as ExtraField];
      const inShot = problem.field === 'input_reference' || this.shot.written[problem.field as ExtraField] !== undefined;
      const byAxis = !inShot && axesOf(this.shot.written.variants).includes(problem.field);
      const at = inShot ? [...this.shotPath, problem.field] : byAxis || !defaults ? [...this.shotPath, 'variants', problem.field] : defaults.origin.path;
      this.perJob.add(this.issue(at, problem.fields, { key: true }, inShot || byAxis || !defaults ? this.shot.origin.file : defaults.origin.file), jobId);
    }
    return problems.length === 0;
  }

  private fieldIssue(field: FieldValue, fields: Parameters<ReportAt>[1]): void {
    if (field.origin) this.issues.push(this.issue(field.origin.path, fields, {}, field.origin.file));
    else this.issues.push({ ...this.issue(this.shotPath, fields), message: `${fields.message} (the provider's default)` });
  }

  private inputReferenceOf(text: string, jobId: string): ResolvedJob['inputReference'] {
    const resolved = resolveWrittenPath(text, this.storyboard.dir);
    if (resolved === null) {
      const at = [...this.shotPath, 'input_reference'];
      this.perJob.add(
        this.issue(at, {
          code: 'input-reference-path',
          message: `input_reference must be a path relative to the storyboard, found ${truncate(JSON.stringify(text))}`,
          hint: 'write the path relative to the storyboard file, e.g. assets/mug.png',
        }),
        jobId,
      );
    }
    return resolved;
  }
}

/** A binding that sets a request field (an axis named like it, a map's key) must hold values of that field's form. */
function axisFieldValue(field: RequestField, { binding, what }: FieldSetter, report: ReportAt): string | null {
  const value = binding.value;
  const text = typeof value === 'object' ? null : String(value);
  const valid =
    text !== null && (field === 'model' ? text.length > 0 : field === 'size' ? /^[1-9]\d{1,4}x[1-9]\d{1,4}$/.test(text) : /^[1-9]\d{0,3}$/.test(text));
  if (valid) return text;
  const expected = field === 'model' ? 'a model name' : field === 'size' ? 'a size written WIDTHxHEIGHT, like 1280x720' : 'a whole number of seconds, like 8';
  report(binding.origin.path, {
    code: 'invalid-value',
    message: `${what} sets the request field; expected ${expected}, found ${truncate(describeValue(value))}`,
    expected,
    found: truncate(describeValue(value)),
  });
  return null;
}
