import path from 'node:path';
import { applyProfileSettings } from '../providers/custom-profile.js';
import { profileModelProblems } from '../providers/check-profile.js';
import { baseUrlCredentialsProblem } from '../providers/base-url-credentials.js';
import { serverName, type ProviderProfile } from '../providers/profile.js';
import { EXTRA_FIELDS, type ExtraFieldValue } from './extra-fields.js';
import { formatDocPath, type Issue, type Origin } from '../source/issue.js';
import { closestName } from '../source/describe.js';
import type { FieldValue } from './job.js';
import { type PartialDef, type TemplateSite } from './templates.js';
import { REQUEST_FIELDS, type RequestField, type WrittenImport, type WrittenShot, type WrittenStoryboard } from './written.js';
import { issueAt, locate, positionOfOffset, rawNodeText, type YamlSource } from '../source/yaml-source.js';
import { axesOf } from './variants.js';
import { Rejections } from '../source/rejections.js';
import { LineCounter } from 'yaml';
import { resolveCharacters, type DraftCharacter, type ResolvedCharacter } from './characters.js';

/**
 * Turns the written storyboard and its imports into one resolved storyboard: defaults, vars and
 * partials merged (this file wins, later imports win over earlier ones), the provider profile
 * chosen, every value still knowing where it was written. Pure: the files were read before.
 *
 * What the first pass rejected is left out, and what cannot be known without it is said in
 * `unknowns` (and a shot's `rejected`), so that the semantic pass checks the rest and skips
 * exactly the checks that would read a rejected node.
 */

export interface StoryboardFiles {
  readonly main: YamlSource;
  /** Absolute path of the main file. */
  readonly mainPath: string;
  /** Imports in the order written, schema-valid. */
  readonly imports: readonly { readonly source: YamlSource; readonly absPath: string }[];
  /** Partial files by absolute path. */
  readonly partialFiles: ReadonlyMap<string, { readonly file: string; readonly text: string }>;
  /** What the first pass rejected, by file as displayed: refused values, and nodes naming files that could not be read. */
  readonly rejections: ReadonlyMap<string, Rejections>;
}

export interface ServerChoice {
  /** `null` for the embedded emulator. */
  readonly baseUrl: string | null;
  /** This server's hard cap on jobs in flight. */
  readonly inFlight: number;
}

export interface ProviderChoice {
  readonly profile: ProviderProfile;
  /** The (first) server's base URL, which names the provider in fingerprints; `null` for the embedded emulator. */
  readonly baseUrl: string | null;
  /** The servers to talk to: one, or a pool (`servers:`) whose lockfile entries say which server holds each video. */
  readonly servers: readonly ServerChoice[];
  readonly pool: boolean;
  /** Cap on jobs in flight over all servers: their caps' sum, or less with `--concurrency`. */
  readonly inFlight: number;
  readonly createsPerMinute: number | null;
}

export interface ResolvedShot {
  /** As written, less the properties in `rejected`. */
  readonly written: WrittenShot;
  readonly index: number;
  readonly origin: Origin;
  /** Properties the schema rejected (a refused `refresh`, a missing `prompt`): checks that read them are skipped. Empty in a valid storyboard. */
  readonly rejected: ReadonlySet<string>;
  /** Names the shot's variants bind (axes and include keys); `null` when even that is unknown (`variants` is not a map). */
  readonly axisNames: readonly string[] | null;
}

export interface ResolvedStoryboard {
  readonly name: string;
  readonly mainPath: string;
  /** Directory the storyboard's relative paths start from. */
  readonly dir: string;
  readonly provider: ProviderChoice;
  readonly defaults: Partial<Record<RequestField, FieldValue>>;
  /** `defaults` of the extra request fields (`seed`, ...), as written. */
  readonly extraDefaults: Readonly<Record<string, ExtraFieldValue>>;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly partials: ReadonlyMap<string, PartialDef>;
  readonly shots: readonly ResolvedShot[];
  /** Recurring characters declared at the top (`characters:`), in the order written. */
  readonly characters: readonly ResolvedCharacter[];
  /** Every YAML source by its display name, to locate issues. */
  readonly sources: ReadonlyMap<string, YamlSource>;
}

/** What the semantic pass cannot know because the first pass rejected it. Nothing, in a valid storyboard. */
export interface Unknowns {
  /** Some vars could not be read (`vars` is not a map, an import is unreadable): any name may be defined. */
  readonly vars: boolean;
  /** Partials declared but unreadable, by name; `'all'` when any name may be a partial. */
  readonly partials: ReadonlySet<string> | 'all';
  /** Request and extra fields whose default could not be read. */
  readonly defaults: ReadonlySet<string>;
  /** A shot could not be read (no id): a remix target no shot has may be that one. */
  readonly shots: boolean;
  /** Some characters could not be read: a name a shot casts may be one of them. */
  readonly characters: boolean;
}

/**
 * The storyboard as the semantic pass sees it: a `ResolvedStoryboard` once nothing is unknown.
 * `provider` is null when it is unknown (rejected, not found): checks against a profile are skipped.
 */
export interface StoryboardDraft extends Omit<ResolvedStoryboard, 'provider' | 'characters'> {
  readonly provider: ProviderChoice | null;
  readonly characters: readonly DraftCharacter[];
  readonly unknowns: Unknowns;
}

export interface ProviderOverrides {
  /** `--provider NAME` */
  readonly provider?: string;
  /** `--base-url URL`, repeatable: one server, or a pool in place of the storyboard's servers. */
  readonly baseUrls?: readonly string[];
  /** `--concurrency N`: lowers (never raises above the profile's hard cap) the jobs in flight. */
  readonly concurrency?: number;
}

export function resolveStoryboard(
  files: StoryboardFiles,
  profiles: Readonly<Record<string, ProviderProfile>> | null,
  overrides: ProviderOverrides = {},
): { storyboard: StoryboardDraft | null; issues: Issue[] } {
  const rejectionsOf = (source: YamlSource) => files.rejections.get(source.file) ?? Rejections.none;
  const mainRejected = rejectionsOf(files.main);
  // A file that is not a map at all has nothing the semantic pass could read.
  if (mainRejected.covers([])) return { storyboard: null, issues: [] };
  const written = files.main.value as WrittenStoryboard;
  const issues: Issue[] = [];
  // An import that is not even a map is as unknown as one that could not be read.
  const imports = files.imports.filter((i) => !rejectionsOf(i.source).covers([]));
  const layers = [
    ...imports.map((i) => ({ source: i.source, absPath: i.absPath, data: i.source.value as WrittenImport })),
    { source: files.main, absPath: files.mainPath, data: written as WrittenImport },
  ];

  const defaults: Partial<Record<RequestField, FieldValue>> = {};
  const extraDefaults: Record<string, ExtraFieldValue> = {};
  const vars: Record<string, unknown> = {};
  const partials = new Map<string, PartialDef>();
  // An import that could not be read could have set anything but what this file sets after it.
  const importUnknown = mainRejected.touches(['import']) || imports.length < files.imports.length;
  let varsUnknown = importUnknown;
  let partialsUnknown = importUnknown;
  const unknownPartials = new Set<string>();
  const unknownDefaults = new Set<string>(importUnknown ? [...REQUEST_FIELDS, ...EXTRA_FIELDS] : []);
  for (const layer of layers) {
    const rejected = rejectionsOf(layer.source);
    for (const field of [...REQUEST_FIELDS, ...EXTRA_FIELDS]) {
      const value = layer.data.defaults?.[field];
      if (rejected.touches(['defaults', field])) {
        unknownDefaults.add(field);
        delete defaults[field as RequestField];
        delete extraDefaults[field];
        continue;
      }
      if (value === undefined) continue;
      unknownDefaults.delete(field);
      const origin = { file: layer.source.file, path: ['defaults', field] };
      if ((REQUEST_FIELDS as readonly string[]).includes(field)) defaults[field as RequestField] = { value: String(value), origin };
      else extraDefaults[field] = { value, origin };
    }
    if (rejected.covers(['vars'])) varsUnknown = true;
    // Defined, not assigned: a variable named `__proto__` must be a variable, not the object's prototype.
    else for (const [name, value] of Object.entries(layer.data.vars ?? {})) defineOwn(vars, name, value);
    if (rejected.covers(['partials'])) {
      partialsUnknown = true;
      continue;
    }
    for (const [name, partial] of Object.entries(layer.data.partials ?? {})) {
      if (partial === undefined) continue;
      if (rejected.touches(['partials', name])) {
        // Declared, but refused or unreadable: using it is no error, checking what it holds is impossible.
        unknownPartials.add(name);
        partials.delete(name);
        continue;
      }
      unknownPartials.delete(name);
      if (name === '__proto__') {
        // Handlebars keeps partials in plain objects, where this name sets the prototype: it could never be found.
        issues.push(
          issueAt(
            layer.source,
            ['partials', name],
            { code: 'invalid-value', message: 'a partial cannot be named "__proto__"', found: name, hint: 'rename the partial' },
            { key: true },
          ),
        );
        continue;
      }
      if (typeof partial === 'string') {
        partials.set(name, { name, site: yamlSite(layer.source, ['partials', name]) });
        continue;
      }
      const absPath = path.resolve(path.dirname(layer.absPath), partial.file);
      const text = files.partialFiles.get(absPath);
      if (text) partials.set(name, { name, site: textSite(text.file, text.text) });
    }
  }

  const provider = profiles === null || mainRejected.touches(['provider']) ? null : resolveProvider(files.main, written, profiles, overrides, issues);
  const { shots, unreadable } = resolveShots(files.main, written, mainRejected);
  const dir = path.dirname(files.mainPath);
  const cast = resolveCharacters(files.main, written, mainRejected, dir);
  issues.push(...cast.issues);
  const sources = new Map([files.main, ...files.imports.map((i) => i.source)].map((s) => [s.file, s]));
  const unknowns: Unknowns = {
    vars: varsUnknown,
    partials: partialsUnknown ? 'all' : unknownPartials,
    defaults: unknownDefaults,
    shots: unreadable,
    characters: cast.unknown,
  };
  return {
    storyboard: {
      name: written.name,
      mainPath: files.mainPath,
      dir,
      provider,
      defaults,
      extraDefaults,
      vars,
      partials,
      shots,
      characters: cast.characters,
      sources,
      unknowns,
    },
    issues,
  };
}

/**
 * The shots the semantic pass can read: each without its rejected properties. A shot that is
 * not a map, or whose id was rejected, cannot be named by anything, so it is left out (and
 * `unreadable` says a remix target may be missing because of it).
 */
function resolveShots(main: YamlSource, written: WrittenStoryboard, rejected: Rejections): { shots: ResolvedShot[]; unreadable: boolean } {
  if (rejected.covers(['shots']) || !Array.isArray(written.shots)) return { shots: [], unreadable: false };
  const shots: ResolvedShot[] = [];
  let unreadable = false;
  written.shots.forEach((shot, index) => {
    const at = ['shots', index];
    if (rejected.covers(at) || rejected.touches([...at, 'id'])) {
      unreadable = true;
      return;
    }
    const bad = new Set(rejected.childrenOf(at).map(String));
    const kept = bad.size === 0 ? shot : (Object.fromEntries(Object.entries(shot).filter(([key]) => !bad.has(key))) as WrittenShot);
    shots.push({ written: kept, index, origin: { file: main.file, path: at }, rejected: bad, axisNames: axisNamesOf(shot, [...at, 'variants'], rejected) });
  });
  return { shots, unreadable };
}

/** Axis names and include keys, read from the shot as written, unless `variants`, `include` or an include entry is not even a map. */
function axisNamesOf(shot: WrittenShot, at: readonly (string | number)[], rejected: Rejections): string[] | null {
  const variants = shot.variants;
  if (variants === undefined) return [];
  if (rejected.covers(at) || rejected.covers([...at, 'include'])) return null;
  const include = variants.include ?? [];
  if (include.some((_, index) => rejected.covers([...at, 'include', index]))) return null;
  return [...axesOf(variants), ...include.flatMap((entry) => Object.keys(entry))];
}

function resolveProvider(
  main: YamlSource,
  written: WrittenStoryboard,
  profiles: Readonly<Record<string, ProviderProfile>>,
  overrides: ProviderOverrides,
  issues: Issue[],
): ProviderChoice | null {
  const block = typeof written.provider === 'object' ? written.provider : undefined;
  const name = overrides.provider ?? (typeof written.provider === 'string' ? written.provider : block?.profile) ?? 'emulator';
  const base = profiles[name];
  const where = typeof written.provider === 'object' ? ['provider', 'profile'] : ['provider'];
  if (!base) {
    const known = Object.keys(profiles);
    const guess = closestName(name, known);
    const fields = {
      code: 'unknown-provider',
      message: `unknown provider "${name}"`,
      expected: `one of ${known.join(', ')}`,
      found: name,
      hint: guess ? `did you mean "${guess}"?` : `built-in providers: ${known.join(', ')}`,
    };
    issues.push(overrides.provider ? { ...issueAt(main, [], fields), line: 0, column: 0, path: '--provider' } : issueAt(main, where, fields));
    return null;
  }
  // The block's settings belong to the profile it names, not to one chosen with --provider.
  const ownBlock = block && block.profile === name ? block : undefined;
  if (ownBlock?.base_url !== undefined && ownBlock.servers !== undefined) {
    issues.push(
      issueAt(main, ['provider', 'servers'], {
        code: 'base-url-and-servers',
        message: 'a provider has one base_url or a pool of servers, not both',
        expected: 'base_url: URL, or servers: [{base_url: URL}, ...]',
        hint: 'move base_url into the servers list (first, to keep its videos), or drop the list',
      }),
    );
    return null;
  }
  const given = overrides.baseUrls !== undefined && overrides.baseUrls.length > 0 ? overrides.baseUrls : null;
  if (hasCredentialsInUrls(main, block, given, issues)) return null;
  const profile = ownBlock ? applyProfileSettings(base, base.name, ownBlock) : base;
  const incomplete = ownBlock?.models === undefined ? [] : profileModelProblems(profile);
  for (const problem of incomplete)
    issues.push(
      issueAt(
        main,
        ['provider', 'models', ...(problem.model === null ? [] : [problem.model])],
        { code: 'incomplete-model', message: problem.message, hint: problem.hint },
        { key: problem.model !== null },
      ),
    );
  if (incomplete.length > 0) return null;
  const baseUrl = given?.[0] ?? profile.baseUrl;
  if (baseUrl === null && !profile.embedded) {
    issues.push(
      issueAt(main, written.provider === undefined ? [] : ['provider'], {
        code: 'missing-base-url',
        message: `provider "${name}" needs a base URL: every ${name} server has its own`,
        expected: 'provider: {profile: ' + name + ', base_url: https://…/v1}',
        hint: 'set base_url in the provider block, or pass --base-url',
      }),
    );
    return null;
  }
  const most = overrides.concurrency ?? Number.POSITIVE_INFINITY;
  const pool = given
    ? given.length > 1
      ? given.map((url): { readonly baseUrl: string; readonly inFlight?: number } => ({ baseUrl: url }))
      : undefined
    : profile.servers;
  const servers = pool
    ? pool.map((server) => ({ baseUrl: server.baseUrl, inFlight: Math.min(server.inFlight ?? profile.limits.inFlight, most) }))
    : [{ baseUrl, inFlight: Math.min(profile.limits.inFlight, most) }];
  const names = servers.map((server) => (server.baseUrl === null ? null : serverName(server.baseUrl)));
  const twice = names.findIndex((name, i) => name !== null && names.indexOf(name) !== i);
  if (twice >= 0) {
    const fields = {
      code: 'server-twice',
      message: `${servers[twice]!.baseUrl} is listed twice in the pool`,
      hint: "a server's jobs in flight are capped by its in_flight; raise that instead",
    };
    issues.push(
      given ? { ...issueAt(main, [], fields), line: 0, column: 0, path: '--base-url' } : issueAt(main, ['provider', 'servers', twice, 'base_url'], fields),
    );
    return null;
  }
  const inFlight = Math.min(
    servers.reduce((sum, server) => sum + server.inFlight, 0),
    most,
  );
  return { profile, baseUrl, servers, pool: pool !== undefined, inFlight, createsPerMinute: profile.limits.createsPerMinute };
}

/** Pushes an issue for every base URL (the block's, its pool's, `--base-url`'s) that holds credentials. */
function hasCredentialsInUrls(main: YamlSource, block: WrittenStoryboard['provider'] | undefined, given: readonly string[] | null, issues: Issue[]): boolean {
  const before = issues.length;
  const written =
    typeof block === 'object'
      ? [
          ...(block.base_url === undefined ? [] : [{ url: block.base_url, at: ['provider', 'base_url'] }]),
          ...(block.servers ?? []).map((server, i) => ({ url: server.base_url, at: ['provider', 'servers', i, 'base_url'] })),
        ]
      : [];
  for (const { url, at } of written) {
    const problem = baseUrlCredentialsProblem(url);
    if (problem) issues.push(issueAt(main, at, problem));
  }
  for (const url of given ?? []) {
    const problem = baseUrlCredentialsProblem(url);
    if (problem) issues.push({ ...issueAt(main, [], problem), line: 0, column: 0, path: '--base-url' });
  }
  return issues.length > before;
}

/**
 * Sets `key` as an own property whatever its name: assigning `__proto__` would replace the
 * object's prototype instead. Plain assignment otherwise, which keeps the hot per-job path fast.
 */
export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A template that is a YAML scalar: positions are found in the node's raw text. */
export function yamlSite(source: YamlSource, docPath: readonly (string | number)[]): TemplateSite {
  const raw = rawNodeText(source, docPath);
  const text = String(getIn(source.value, docPath) ?? '');
  return {
    file: source.file,
    path: formatDocPath(docPath),
    text,
    locate(snippet, occurrence) {
      const at = raw && snippet !== '' ? nthIndexOf(raw.text, snippet, occurrence) : -1;
      if (!raw || at === -1) return locate(source, docPath);
      return positionOfOffset(source.lines, source.text, raw.offset + at, raw.offset + at + snippet.length);
    },
  };
}

/** A template that is a whole file, used verbatim (a partial file). */
export function textSite(file: string, text: string): TemplateSite {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return {
    file,
    path: '',
    text,
    locate(snippet, occurrence) {
      const at = snippet === '' ? 0 : Math.max(0, nthIndexOf(text, snippet, occurrence));
      return positionOfOffset(lines, text, at, at + snippet.length);
    },
  };
}

function nthIndexOf(text: string, snippet: string, occurrence: number): number {
  let at = text.indexOf(snippet);
  for (let n = 0; n < occurrence && at !== -1; n++) at = text.indexOf(snippet, at + 1);
  return at;
}

function getIn(value: unknown, docPath: readonly (string | number)[]): unknown {
  let current = value;
  for (const part of docPath) current = (current as Record<string | number, unknown> | undefined)?.[part];
  return current;
}
