import type Handlebars from 'handlebars';

/**
 * Bounded template work. A template can cost far more than its text: partials that include a
 * partial twice double at every level, `{{#each}}` blocks nested over the same list multiply,
 * and Handlebars renders all of it in one synchronous call. So every render runs on a meter
 * that counts *steps* as Handlebars takes them (a variable lookup, a helper call, a block body,
 * a partial, a printed value, weighted by what it costs) and the characters blocks produce, and
 * aborts the render the moment a limit is passed: the work is bounded by the limits, whatever
 * the template, and nothing large is ever built.
 *
 * The meter is wired into the Handlebars runtime of one `TemplateSet` (see `meterRuntime`):
 * every compiled program function, the runtime's lookup, lambda and partial calls, and the
 * built-in helpers. Rendering itself is unchanged: same output for every template within the limits.
 */

/** The documented limits (README, "Limits"). */
export const TEMPLATE_LIMITS: TemplateLimits = {
  stepsPerRender: 100_000,
  stepsPerStoryboard: 20_000_000,
};

export interface TemplateLimits {
  /** Steps one render of one template (a job's prompt, or its input_reference) may take. */
  readonly stepsPerRender: number;
  /** Steps all of a storyboard's templates may take together, checking and rendering every job. */
  readonly stepsPerStoryboard: number;
}

export type BudgetKind = 'steps' | 'storyboard' | 'output';

/** A render (or a check) passed a limit; turned into a located issue by the caller. */
export class TemplateBudgetError extends Error {
  constructor(
    readonly kind: BudgetKind,
    readonly limit: number,
    /** The partials being rendered when the limit was passed, outermost first. */
    readonly partials: readonly string[],
    /** The whole output's length, when it was rendered to the end before it was measured. */
    readonly found: number | null = null,
  ) {
    super(kind === 'output' ? `more than ${limit} characters` : `more than ${limit} steps`);
  }
}

/** Counts the work of every render of one storyboard, and of each render on its own. */
export class TemplateMeter {
  /** Steps of the storyboard so far, renders and checks together. */
  private spent = 0;
  private renderSteps = 0;
  private renderLimit = 0;
  private maxChars = Number.POSITIVE_INFINITY;
  private rendering = false;
  private readonly partialStack: string[] = [];
  /** Indentation Handlebars will add to each line of the partial about to run (a standalone `{{> p}}`). */
  private pendingIndent = 0;
  /** Memoized costs of printing an array and of copying an object's keys (Handlebars does both). */
  private readonly sizes = new WeakMap<object, number>();

  constructor(private readonly limits: TemplateLimits = TEMPLATE_LIMITS) {}

  /** Steps taken so far by the storyboard's templates. */
  get total(): number {
    return this.spent + this.renderSteps;
  }

  /** Runs one render within `maxChars` of output and the step limits; throws `TemplateBudgetError` past them. */
  render<T>(maxChars: number, work: () => T): T {
    this.renderSteps = 0;
    this.renderLimit = Math.min(this.limits.stepsPerRender, this.limits.stepsPerStoryboard - this.spent);
    this.maxChars = maxChars;
    this.partialStack.length = 0;
    this.pendingIndent = 0;
    this.rendering = true;
    try {
      if (this.renderLimit <= 0) throw this.exceeded('storyboard');
      const out = work();
      if (typeof out === 'string' && out.length > maxChars) throw new TemplateBudgetError('output', maxChars, [], out.length);
      return out;
    } catch (error) {
      // A string too long for V8 is output past any limit, found by the engine first.
      if (error instanceof RangeError && /string length/i.test(error.message)) throw new TemplateBudgetError('output', maxChars, [...this.partialStack]);
      throw error;
    } finally {
      this.spent += this.renderSteps;
      this.renderSteps = 0;
      this.rendering = false;
    }
  }

  /** Work outside a render (checking templates), counted against the storyboard's limit only. */
  charge(steps: number): void {
    if (this.rendering) {
      this.step(steps);
      return;
    }
    this.spent += steps;
    if (this.spent > this.limits.stepsPerStoryboard) throw this.exceeded('storyboard');
  }

  step(steps = 1): void {
    if (!this.rendering) return;
    this.renderSteps += steps;
    if (this.renderSteps > this.renderLimit) throw this.exceeded(this.renderLimit < this.limits.stepsPerRender ? 'storyboard' : 'steps');
  }

  /** `length` characters were produced by one block or partial: all of them end up in the output. */
  produced(length: number): void {
    if (this.rendering && length > this.maxChars) throw new TemplateBudgetError('output', this.maxChars, [...this.partialStack]);
  }

  /** Whether no partial is being rendered: a `main` program running now is the template's own. */
  get atTop(): boolean {
    return this.partialStack.length === 0;
  }

  /** A printed value: printing an array joins it, which costs its elements (nested ones too). */
  printed(value: unknown): void {
    this.step(Array.isArray(value) ? 1 + this.arrayCost(value) : 1);
  }

  /** A partial called with `key=value` pairs copies the context's keys first. */
  copied(context: unknown): void {
    if (typeof context !== 'object' || context === null) return;
    let keys = this.sizes.get(context);
    if (keys === undefined) {
      keys = Object.keys(context).length;
      this.sizes.set(context, keys);
    }
    this.step(keys);
  }

  enterPartial(name: string, indent: number): void {
    this.partialStack.push(name);
    this.pendingIndent = indent;
  }

  leavePartial(): void {
    this.partialStack.pop();
    this.pendingIndent = 0;
  }

  /** The indentation of the partial whose main program starts now (0 for any other program). */
  takeIndent(): number {
    const indent = this.pendingIndent;
    this.pendingIndent = 0;
    return indent;
  }

  private arrayCost(array: readonly unknown[]): number {
    let cost = this.sizes.get(array);
    if (cost !== undefined) return cost;
    // Charged before it is computed: a nested array is walked once, then remembered.
    this.step(array.length);
    cost = array.length;
    for (const item of array) if (Array.isArray(item)) cost += this.arrayCost(item);
    this.sizes.set(array, cost);
    return cost;
  }

  private exceeded(kind: 'steps' | 'storyboard'): TemplateBudgetError {
    return new TemplateBudgetError(kind, kind === 'steps' ? this.limits.stepsPerRender : this.limits.stepsPerStoryboard, [...this.partialStack]);
  }
}

type Hbs = typeof Handlebars;
type Fn = (this: unknown, ...args: unknown[]) => unknown;

/** The parts of Handlebars' runtime container that do the work of a render. */
interface Container {
  lookupProperty: (parent: unknown, name: string) => unknown;
  lambda: (current: unknown, context: unknown) => unknown;
  invokePartial: (this: unknown, partial: unknown, context: unknown, options: { name?: string; hash?: unknown; indent?: string }) => unknown;
}

const BLOCK_HELPERS = ['if', 'unless', 'each', 'with'] as const;

/**
 * Wires `meter` into `hbs` (an isolated environment from `Handlebars.create()`): its compiled
 * templates (partials too) and its built-in helpers. Call before registering anything else.
 */
export function meterRuntime(hbs: Hbs, meter: TemplateMeter): void {
  const template = hbs.template.bind(hbs) as (spec: Record<string, unknown>) => unknown;
  const metered = new WeakSet<object>();
  // Every compiled template (a storyboard's prompt or a partial) becomes a spec of program
  // functions: main, and one per block body. Each call of one is a step, and its output is
  // checked against the limit as it returns.
  (hbs as unknown as { template: (spec: Record<string, unknown>) => unknown }).template = (spec) => {
    for (const key of Object.keys(spec)) {
      const program = spec[key];
      if ((key === 'main' || /^\d+$/.test(key)) && typeof program === 'function') spec[key] = meteredProgram(program as Fn, meter, metered, key === 'main');
    }
    return template(spec);
  };
  for (const name of BLOCK_HELPERS) hbs.registerHelper(name, meteredBlockHelper(hbs.helpers[name] as Fn, meter));
  const lookup = hbs.helpers['lookup'] as Fn;
  hbs.registerHelper('lookup', function (this: unknown, ...args: unknown[]) {
    meter.step();
    return lookup.apply(this, args);
  });
}

function meteredProgram(program: Fn, meter: TemplateMeter, metered: WeakSet<object>, isMain: boolean): Fn {
  return function (this: unknown, ...args: unknown[]) {
    const container = args[0] as Container;
    if (!metered.has(container)) {
      meterContainer(container, meter);
      metered.add(container);
    }
    const indent = meter.takeIndent();
    // The template's own main program returns the whole output, which `render` measures exactly.
    const whole = isMain && meter.atTop;
    meter.step();
    const out = program.apply(this, args);
    if (typeof out === 'string' && !whole) {
      meter.produced(out.length);
      // Handlebars will indent every line of a standalone partial's output: count that before it does.
      if (indent > 0) meter.produced(out.length + indent * (countLines(out, meter) + 1));
    }
    return out;
  };
}

/** The runtime container is made per compiled template; its lookups, printed values and partial calls are metered. */
function meterContainer(container: Container, meter: TemplateMeter): void {
  const { lookupProperty, lambda, invokePartial } = container;
  container.lookupProperty = (parent, name) => {
    meter.step();
    return lookupProperty(parent, name);
  };
  container.lambda = (current, context) => {
    const value = lambda(current, context);
    meter.printed(value);
    return value;
  };
  container.invokePartial = function (partial, context, options) {
    if (options.hash) meter.copied(context);
    meter.enterPartial(options.name ?? '?', options.indent?.length ?? 0);
    try {
      return invokePartial.call(this, partial, context, options);
    } finally {
      meter.leavePartial();
    }
  };
}

/**
 * A built-in block helper whose body runs are counted, and whose output (the concatenation of
 * those runs, for `each`) is checked as it grows rather than once it is whole.
 */
function meteredBlockHelper(helper: Fn, meter: TemplateMeter): Fn {
  return function (this: unknown, ...args: unknown[]) {
    meter.step();
    const options = args.at(-1) as { fn?: Fn; inverse?: Fn } | undefined;
    if (options && typeof options === 'object') {
      let produced = 0;
      const count = (body: Fn): Fn =>
        Object.assign(function (this: unknown, ...bodyArgs: unknown[]) {
          meter.step();
          const out = body.apply(this, bodyArgs);
          if (typeof out === 'string') meter.produced((produced += out.length));
          return out;
        }, body);
      if (typeof options.fn === 'function') options.fn = count(options.fn);
      if (typeof options.inverse === 'function') options.inverse = count(options.inverse);
    }
    return helper.apply(this, args);
  };
}

function countLines(text: string, meter: TemplateMeter): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  meter.step(1 + (lines >> 6));
  return lines;
}
