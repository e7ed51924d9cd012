import path from 'node:path';
import type { Issue } from '../source/issue.js';
import { truncate } from '../source/describe.js';
import { issueAt, type YamlSource } from '../source/yaml-source.js';
import { MAX_PATH_CHARS } from './shot-expander.js';
import { yamlSite } from './resolve-storyboard.js';
import { TemplateBudgetError } from './template-budget.js';
import {
  budgetIssue,
  cleanRenderError,
  locateRenderError,
  type RenderTemplate,
  type TemplateContext,
  type TemplateSet,
  type TemplateSite,
} from './templates.js';

/**
 * The file paths a cut names (an entry's `image`, the audio's `music`): Handlebars templates like
 * an input_reference, checked once per cut and rendered per film. Pure.
 */

/** A templated path in the storyboard, compiled; `null` when its template has problems (reported). */
export interface PathTemplate {
  readonly at: readonly (string | number)[];
  /** How messages name it: `the image of cuts[0].sequence[2]`. */
  readonly what: string;
  readonly site: TemplateSite;
  readonly render: RenderTemplate;
}

/** A rendered path: relative to the storyboard as written, absolute, and relative to the project (`/` separators). */
export interface CutFileRef {
  readonly written: string;
  readonly absPath: string;
  /** Names the file in the fingerprint and the `.otio`, the same on every machine. */
  readonly ref: string;
}

/** Checks the template at `at` against the names a film binds (`null`: unknown, not checked); its issues go to `issues`. */
export function compilePath(
  templates: TemplateSet,
  source: YamlSource,
  at: readonly (string | number)[],
  what: string,
  names: ReadonlySet<string> | null,
  issues: Issue[],
): PathTemplate | null {
  const site = yamlSite(source, at);
  try {
    const analysis = templates.analyze(site, names, what);
    // The template checks speak of shots; a cut's path binds the cut's axes.
    issues.push(
      ...analysis.issues.map((issue) =>
        issue.hint === undefined ? issue : { ...issue, hint: issue.hint.replace('variant axis of this shot', 'variant axis of this cut') },
      ),
    );
    if (analysis.issues.length > 0) return null;
  } catch (error) {
    if (!(error instanceof TemplateBudgetError)) throw error;
    issues.push(budgetIssue(site, what, error, 'cut-path'));
    return null;
  }
  return { at, what, site, render: templates.compile(site.text) };
}

/**
 * Renders the path for one film. A problem is an issue that does not name the film (the caller
 * groups them) in place of the file.
 */
export function renderPath(
  template: PathTemplate,
  context: TemplateContext,
  source: YamlSource,
  dir: string,
  projectRoot: string,
): { readonly file: CutFileRef } | { readonly issue: Issue } {
  let text: string;
  try {
    text = template.render(context, MAX_PATH_CHARS);
  } catch (error) {
    if (error instanceof TemplateBudgetError) return { issue: budgetIssue(template.site, template.what, error, 'cut-path') };
    const [what, detail] = cleanRenderError(error).split(/: (.*)/s);
    const issue = issueAt(source, template.at, {
      code: 'unknown-variable',
      message: `${what} in ${template.what}`,
      found: detail,
      hint: 'every variable a path uses must be defined for every film of the cut',
    });
    return { issue: { ...issue, ...locateRenderError(template.site, error) } };
  }
  if (path.isAbsolute(text) || /^[a-zA-Z]:/.test(text) || text.includes('\0') || /^[a-z]+:\/\//i.test(text) || text.trim() === '') {
    return {
      issue: issueAt(source, template.at, {
        code: 'cut-path',
        message: `${template.what} must be a path relative to the storyboard, found ${truncate(JSON.stringify(text))}`,
        hint: 'write the path relative to the storyboard file, e.g. assets/endcard.png',
      }),
    };
  }
  const written = path.posix.normalize(text.replaceAll('\\', '/'));
  const absPath = path.resolve(dir, written);
  return { file: { written, absPath, ref: path.relative(projectRoot, absPath).split(path.sep).join('/') } };
}
