import path from 'node:path';
import { applyProfileSettings } from '../providers/custom-profile.js';
import { baseUrlCredentialsProblem } from '../providers/base-url-credentials.js';
import { serverName, type ProviderProfile } from '../providers/profile.js';
import { EXTRA_FIELDS, type ExtraFieldValue } from './extra-fields.js';
import { formatDocPath, type Issue, type Origin } from './issue.js';
import { closestName } from './describe.js';
import type { FieldValue } from './job.js';
import { type PartialDef, type TemplateSite } from './templates.js';
import { REQUEST_FIELDS, type RequestField, type WrittenImport, type WrittenShot, type WrittenStoryboard } from './written.js';
import { issueAt, locate, positionOfOffset, rawNodeText, type YamlSource } from './yaml-source.js';
import { LineCounter } from 'yaml';

/**
 * Turns the written storyboard and its imports into one resolved storyboard: defaults, vars and
 * partials merged (this file wins, later imports win over earlier ones), the provider profile
 * chosen, every value still knowing where it was written. Pure: the files were read before.
 */

export interface StoryboardFiles {
  readonly main: YamlSource;
  /** Absolute path of the main file. */
  readonly mainPath: string;
  /** Imports in the order written, schema-valid. */
  readonly imports: readonly { readonly source: YamlSource; readonly absPath: string }[];
  /** Partial files by absolute path. */
  readonly partialFiles: ReadonlyMap<string, { readonly file: string; readonly text: string }>;
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
  readonly written: WrittenShot;
  readonly index: number;
  readonly origin: Origin;
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
  /** Every YAML source by its display name, to locate issues. */
  readonly sources: ReadonlyMap<string, YamlSource>;
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
  profiles: Readonly<Record<string, ProviderProfile>>,
  overrides: ProviderOverrides = {},
): { storyboard: ResolvedStoryboard | null; issues: Issue[] } {
  const written = files.main.value as WrittenStoryboard;
  const issues: Issue[] = [];
  const layers = [...files.imports.map((i) => ({ source: i.source, absPath: i.absPath, data: i.source.value as WrittenImport })), { source: files.main, absPath: files.mainPath, data: written as WrittenImport }];

  const defaults: Partial<Record<RequestField, FieldValue>> = {};
  const extraDefaults: Record<string, ExtraFieldValue> = {};
  const vars: Record<string, unknown> = {};
  const partials = new Map<string, PartialDef>();
  for (const layer of layers) {
    for (const field of REQUEST_FIELDS) {
      const value = layer.data.defaults?.[field];
      if (value !== undefined) defaults[field] = { value: String(value), origin: { file: layer.source.file, path: ['defaults', field] } };
    }
    for (const field of EXTRA_FIELDS) {
      const value = layer.data.defaults?.[field];
      if (value !== undefined) extraDefaults[field] = { value, origin: { file: layer.source.file, path: ['defaults', field] } };
    }
    // Defined, not assigned: a variable named `__proto__` must be a variable, not the object's prototype.
    for (const [name, value] of Object.entries(layer.data.vars ?? {})) defineOwn(vars, name, value);
    for (const [name, partial] of Object.entries(layer.data.partials ?? {})) {
      if (partial === undefined) continue;
      if (name === '__proto__') {
        // Handlebars keeps partials in plain objects, where this name sets the prototype: it could never be found.
        issues.push(issueAt(layer.source, ['partials', name], { code: 'invalid-value', message: 'a partial cannot be named "__proto__"', found: name, hint: 'rename the partial' }, { key: true }));
        continue;
      }
      if (typeof partial === 'string') {
        partials.set(name, { name, site: yamlSite(layer.source, ['partials', name]) });
        continue;
      }
      const absPath = path.resolve(path.dirname(layer.absPath), partial.file);
      const text = files.partialFiles.get(absPath);
      // A partial file that could not be read was reported by the reader.
      if (text) partials.set(name, { name, site: textSite(text.file, text.text) });
    }
  }

  const provider = resolveProvider(files.main, written, profiles, overrides, issues);
  const shots = written.shots.map((shot, index) => ({ written: shot, index, origin: { file: files.main.file, path: ['shots', index] } }));
  const sources = new Map([files.main, ...files.imports.map((i) => i.source)].map((s) => [s.file, s]));
  if (!provider) return { storyboard: null, issues };
  return {
    storyboard: { name: written.name, mainPath: files.mainPath, dir: path.dirname(files.mainPath), provider, defaults, extraDefaults, vars, partials, shots, sources },
    issues,
  };
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
  const pool = given ? (given.length > 1 ? given.map((url): { readonly baseUrl: string; readonly inFlight?: number } => ({ baseUrl: url })) : undefined) : profile.servers;
  const servers = pool ? pool.map((server) => ({ baseUrl: server.baseUrl, inFlight: Math.min(server.inFlight ?? profile.limits.inFlight, most) })) : [{ baseUrl, inFlight: Math.min(profile.limits.inFlight, most) }];
  const names = servers.map((server) => (server.baseUrl === null ? null : serverName(server.baseUrl)));
  const twice = names.findIndex((name, i) => name !== null && names.indexOf(name) !== i);
  if (twice >= 0) {
    const fields = { code: 'server-twice', message: `${servers[twice]!.baseUrl} is listed twice in the pool`, hint: "a server's jobs in flight are capped by its in_flight; raise that instead" };
    issues.push(given ? { ...issueAt(main, [], fields), line: 0, column: 0, path: '--base-url' } : issueAt(main, ['provider', 'servers', twice, 'base_url'], fields));
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
  const written = typeof block === 'object' ? [...(block.base_url === undefined ? [] : [{ url: block.base_url, at: ['provider', 'base_url'] }]), ...(block.servers ?? []).map((server, i) => ({ url: server.base_url, at: ['provider', 'servers', i, 'base_url'] }))] : [];
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
