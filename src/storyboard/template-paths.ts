import type { Issue } from '../source/issue.js';
import { closestName, describeValue, listJobs, listOf, truncate } from '../source/describe.js';
import type { Binding } from './job.js';
import type { PrintedPath, TemplateContext } from './templates.js';

/**
 * The paths a shot's templates print (`{{product.name}}`), checked against each job's values
 * before anything renders: a name no value defines, a member missing from a map, a member read
 * from a plain value, a map printed whole. What one typo does to every job is one problem:
 * findings are gathered over all the shot's jobs and reported once per path, where the path is
 * written, naming the values (or jobs) it concerns when only some do, with the nearest key.
 */
export class TemplatePathCheck {
  /** Findings by path, then by kind and depth: one issue each. */
  private readonly findings = new Map<PrintedPath, Map<string, Finding>>();
  /** Jobs each path was checked for: a finding for all of them is said without a list. */
  private readonly checked = new Map<PrintedPath, number>();

  /**
   * Checks one job's values; `false` when a path that always prints fails (rendering would
   * throw or print "[object Object]"). Paths inside a block (`{{#if}}`) are left to rendering.
   */
  check(printed: readonly PrintedPath[], context: TemplateContext, bindings: readonly Binding[], jobId: string): boolean {
    let ok = true;
    for (const path of printed) {
      const problem = walk(path, context);
      this.checked.set(path, (this.checked.get(path) ?? 0) + 1);
      // Inside a block the path may print only where it is set; rendering finds the rest.
      if (!problem || (path.guarded && problem.kind !== 'map')) continue;
      ok = false;
      const byKind = this.findings.get(path) ?? new Map<string, Finding>();
      this.findings.set(path, byKind);
      const key = `${problem.kind}:${problem.depth}`;
      const finding = byKind.get(key) ?? {
        kind: problem.kind,
        depth: problem.depth,
        value: problem.value,
        jobs: [],
        values: new Set<string>(),
        keys: new Set<string>(),
      };
      byKind.set(key, finding);
      finding.jobs.push(jobId);
      finding.values.add(valueName(path.parts[0]!, bindings));
      for (const name of problem.keys) finding.keys.add(name);
    }
    return ok;
  }

  /** One issue per path and kind of problem, over every job checked so far. */
  issues(): Issue[] {
    const issues: Issue[] = [];
    for (const [path, byKind] of this.findings) {
      for (const finding of byKind.values()) issues.push(path.issue(describe(path, finding, finding.jobs.length === this.checked.get(path))));
    }
    return issues;
  }
}

interface Problem {
  /** `missing`: no such name or member; `scalar`: a member of a plain value; `map`: a map printed whole. */
  readonly kind: 'missing' | 'scalar' | 'map';
  /** Index in the path's parts of the name that fails (for `map`, the last). */
  readonly depth: number;
  /** Keys of the map that lacks the member (`missing`), or of the map printed (`map`). */
  readonly keys: readonly string[];
  /** The plain value a member was read from (`scalar`). */
  readonly value?: unknown;
}

interface Finding extends Omit<Problem, 'keys'> {
  readonly jobs: string[];
  /** How the jobs' value of the path's first name is named: `product=teapot`, `vars.brand`. */
  readonly values: Set<string>;
  /** Every key seen where the name was looked for, for "did you mean". */
  readonly keys: Set<string>;
}

/** Follows the path through the job's values the way strict Handlebars does (own keys only). */
function walk(path: PrintedPath, context: TemplateContext): Problem | null {
  let value: unknown = context;
  for (const [depth, part] of path.parts.entries()) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      if (Array.isArray(value) && Object.hasOwn(value, part)) {
        value = (value as unknown as Record<string, unknown>)[part];
        continue;
      }
      return { kind: 'scalar', depth, keys: [], value };
    }
    if (!Object.hasOwn(value, part)) return { kind: 'missing', depth, keys: depth === 0 ? [] : Object.keys(value) };
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { kind: 'map', depth: path.parts.length - 1, keys: Object.keys(value) };
  return null;
}

/** `product=teapot` when a variant binds the name, else `vars.product` (or the request field's name). */
function valueName(head: string, bindings: readonly Binding[]): string {
  for (let i = bindings.length - 1; i >= 0; i--) if (bindings[i]!.axis === head) return `${head}=${bindings[i]!.label}`;
  return head === 'model' || head === 'size' || head === 'seconds' ? head : `vars.${head}`;
}

function describe(path: PrintedPath, finding: Finding, all: boolean): Omit<Issue, 'file' | 'line' | 'column' | 'length' | 'path' | 'severity'> {
  const holder = path.parts.slice(0, finding.depth).join('.');
  const name = path.parts[finding.depth]!;
  const keys = [...finding.keys];
  // Which jobs: a typo in every job needs no list; otherwise the values that lack it, or for a
  // name bound by only some include entries, the jobs themselves.
  const concerns = all ? '' : finding.depth === 0 ? ` for ${listJobs(finding.jobs)}` : ` for ${listOf([...finding.values])}`;
  switch (finding.kind) {
    case 'map': {
      const key = keys[0] ?? 'key';
      return {
        code: 'map-in-template',
        message: `"${path.original}" is a map, which would print as "[object Object]" in ${path.what}${concerns}`,
        found: 'a map',
        hint: `print one of its keys, e.g. {{${path.original}.${key}}}`,
      };
    }
    case 'scalar': {
      const found = truncate(describeValue(finding.value));
      return {
        code: 'unknown-variable',
        message: `"${holder}" is ${found}, not a map: {{${path.original}}} in ${path.what} cannot read "${name}"${concerns}`,
        expected: `a map with a "${name}" key`,
        found,
        hint: `print it as {{${holder}}}, or make it a map: {${name}: …}`,
      };
    }
    case 'missing': {
      const guess = closestName(name, keys);
      const didYouMean = guess ? `did you mean "${guess}"?` : undefined;
      if (finding.depth === 0) {
        return {
          code: 'unknown-variable',
          message: `"${name}" is not defined${all ? ' for any job' : concerns} in ${path.what}`,
          found: path.original,
          hint: 'every variable a template uses must be defined for every job of the shot: bind it in every include entry, or make it an axis',
        };
      }
      if (all) {
        return {
          code: 'unknown-variable',
          message: `unknown member "${name}" of "${holder}" in ${path.what}`,
          expected: keys.length > 0 ? `one of ${keys.join(', ')}` : `a key of "${holder}"`,
          found: path.original,
          hint: didYouMean ?? (keys.length > 0 ? `"${holder}" has ${keys.join(', ')}` : `"${holder}" is an empty map`),
        };
      }
      return {
        code: 'unknown-variable',
        message: `"${holder}.${name}" is not defined${concerns} in ${path.what}`,
        expected: `a "${name}" key in every value`,
        found: path.original,
        hint: `${didYouMean ? `${didYouMean} Or give` : 'give'} those values a "${name}", or print it only where it is set: {{#if ${holder}.${name}}}…{{/if}}`,
      };
    }
  }
}
