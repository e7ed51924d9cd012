import { existsSync } from 'node:fs';
import path from 'node:path';
import { confinePath } from '../files/confined-path.js';
import { readBounded } from '../files/read-bounded.js';
import type { Issue } from '../source/issue.js';
import { Rejections } from '../source/rejections.js';
import type { StoryboardFiles } from './resolve-storyboard.js';
import { validateSchema, type SchemaKind } from '../source/schema.js';
import type { WrittenImport } from './written.js';
import { issueAt, parseYamlSource, YAML_LIMITS, type YamlSource } from '../source/yaml-source.js';

/**
 * Reads a storyboard and every file it names (imports, partial files), parses them and runs
 * the schema pass. What failed is rejected where it is (a refused value) or where it is named
 * (an import that cannot be read), so the semantic pass can check everything else. Every file
 * read or attempted is reported as a dependency, so watch mode can watch exactly those.
 */

/** Largest partial file read, in bytes. */
export const MAX_PARTIAL_BYTES = 256 * 1024;

export interface ReadOptions {
  /** Directory user-facing paths are shown relative to. */
  readonly cwd: string;
  /** The directory no path may escape; default: the nearest ancestor holding `.git`, else the storyboard's directory. */
  readonly projectRoot?: string;
}

export interface ReadResult {
  /** `null` when the storyboard itself could not be read or parsed; otherwise its rejections say what failed. */
  readonly files: StoryboardFiles | null;
  readonly issues: Issue[];
  readonly dependencies: string[];
  /** Text of every file read, by display name, for code frames. */
  readonly texts: ReadonlyMap<string, string>;
  readonly projectRoot: string;
}

export async function readStoryboard(file: string, options: ReadOptions): Promise<ReadResult> {
  const mainPath = path.resolve(options.cwd, file);
  const projectRoot = options.projectRoot ?? findProjectRoot(path.dirname(mainPath));
  const reader = new FileReader(options.cwd, projectRoot);
  const main = await reader.readYaml(mainPath, 'storyboard', null);
  if (!main) return reader.result(null);

  const imports: { source: YamlSource; absPath: string }[] = [];
  const importList = fieldOf(main.value, 'import');
  if (Array.isArray(importList)) {
    for (const [index, entry] of importList.entries()) {
      if (typeof entry !== 'string' || reader.rejections(main.file).touches(['import', index])) continue;
      const absPath = path.resolve(path.dirname(mainPath), entry);
      const source = await reader.readYaml(absPath, 'import', { source: main, path: ['import', index] });
      if (source) imports.push({ source, absPath });
    }
  }

  const partialFiles = new Map<string, { file: string; text: string }>();
  // Only what the schema accepted is read: a rejected import list or partial is not followed.
  for (const { source, absPath } of [{ source: main, absPath: mainPath }, ...imports]) {
    const partials = fieldOf(source.value, 'partials');
    if (typeof partials !== 'object' || partials === null || reader.rejections(source.file).covers(['partials'])) continue;
    for (const [name, partial] of Object.entries(partials as NonNullable<WrittenImport['partials']>)) {
      if (typeof partial !== 'object' || partial === null || typeof partial.file !== 'string' || reader.rejections(source.file).touches(['partials', name]))
        continue;
      const target = path.resolve(path.dirname(absPath), partial.file);
      const text = await reader.readText(target, MAX_PARTIAL_BYTES, { source, path: ['partials', name, 'file'] });
      if (text !== null) partialFiles.set(target, { file: reader.display(target), text });
    }
  }
  return reader.result({ main, mainPath, imports, partialFiles });
}

/**
 * A top-level field of a parsed file that may not be a map at all (an empty file is `null`, a
 * file holding `3` is a number): the schema reports those, and reading must not trip over them first.
 */
function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

/** The nearest ancestor holding `.git`; else the storyboard's own directory. */
export function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/** A path as issues show it: relative to `cwd` when inside it, else absolute. */
export function displayPath(cwd: string, absPath: string): string {
  const relative = path.relative(cwd, absPath);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absPath;
}

interface Referrer {
  readonly source: YamlSource;
  readonly path: readonly (string | number)[];
}

class FileReader {
  private readonly issues: Issue[] = [];
  private readonly dependencies = new Set<string>();
  private readonly texts = new Map<string, string>();
  /** By file: what its schema rejected, and the nodes naming a file that could not be read. */
  private readonly rejected = new Map<string, Rejections>();

  constructor(
    private readonly cwd: string,
    private readonly projectRoot: string,
  ) {}

  display(absPath: string): string {
    return displayPath(this.cwd, absPath);
  }

  result(files: Omit<StoryboardFiles, 'rejections'> | null): ReadResult {
    return {
      files: files && { ...files, rejections: this.rejected },
      issues: this.issues,
      dependencies: [...this.dependencies],
      texts: this.texts,
      projectRoot: this.projectRoot,
    };
  }

  rejections(file: string): Rejections {
    return this.rejected.get(file) ?? Rejections.none;
  }

  /** A node naming a file that could not be read or parsed: what the file would define is unknown. */
  private reject(referrer: Referrer): void {
    this.rejected.set(referrer.source.file, this.rejections(referrer.source.file).with([referrer.path]));
  }

  async readYaml(absPath: string, kind: SchemaKind, referrer: Referrer | null): Promise<YamlSource | null> {
    const text = await this.readText(absPath, YAML_LIMITS.maxFileBytes, referrer);
    if (text === null) return null;
    const { source, issues } = parseYamlSource(this.display(absPath), text);
    this.issues.push(...issues);
    if (!source) {
      if (referrer) this.reject(referrer);
      return null;
    }
    const schema = validateSchema(source, kind);
    this.issues.push(...schema.issues);
    this.rejected.set(source.file, this.rejections(source.file).with(schema.rejections.paths));
    return source;
  }

  async readText(absPath: string, maxBytes: number, referrer: Referrer | null): Promise<string | null> {
    this.dependencies.add(absPath);
    const fail = (fields: Pick<Issue, 'code' | 'message'> & { hint?: string }): null => {
      if (referrer) this.reject(referrer);
      this.issues.push(
        referrer
          ? issueAt(referrer.source, referrer.path, fields)
          : { severity: 'error', ...fields, file: this.display(absPath), line: 0, column: 0, length: 1, path: '' },
      );
      return null;
    };
    // The storyboard itself defines the project; every file it names must lie inside it.
    let real = absPath;
    if (referrer) {
      const confined = confinePath(this.projectRoot, absPath);
      if (!confined.ok) {
        return fail({
          code: 'path-outside-project',
          message: `${this.display(absPath)} is outside the project directory ${this.display(this.projectRoot) || '.'}`,
          hint: 'keep imports, partials and images inside the project (the folder holding .git)',
        });
      }
      real = confined.path;
    }
    const read = await readBounded(real, maxBytes);
    if (read.ok) {
      const text = read.bytes.toString('utf8');
      this.texts.set(this.display(absPath), text);
      return text;
    }
    switch (read.reason) {
      case 'missing':
        return fail({
          code: 'file-not-found',
          message: `${this.display(absPath)} does not exist`,
          hint: referrer ? 'paths are relative to the file that names them' : 'check the path',
        });
      case 'not-a-file':
        return fail({ code: 'not-a-file', message: `${this.display(absPath)} is not a file` });
      case 'too-large':
        return fail({
          code: 'file-too-large',
          message: `${this.display(absPath)} has ${read.bytes} bytes; at most ${maxBytes} are read`,
          hint: 'split the file, or keep large media out of storyboards',
        });
      case 'unreadable':
        return fail({ code: 'file-unreadable', message: `${this.display(absPath)} cannot be read (${read.code})` });
    }
  }
}
