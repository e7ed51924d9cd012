import { invalidRequest } from './errors.js';
import { drawUniform } from './prng.js';

/**
 * The kinds of route a fault can target. `remix`, `edit` and `extension` make jobs too, so they
 * can be dropped or throttled; `character` is both character routes (no job, so only 5xx and slow bodies).
 */
export type RouteClass = 'create' | 'remix' | 'edit' | 'extension' | 'character' | 'retrieve' | 'list' | 'delete' | 'content';
export const ROUTE_CLASSES: readonly RouteClass[] = ['create', 'remix', 'edit', 'extension', 'character', 'retrieve', 'list', 'delete', 'content'];

/**
 * Seeded, reproducible fault injection. Rates are probabilities in [0, 1]; patterns are
 * case-insensitive regular expressions over the prompt, so a test can make one specific job
 * fail. Everything is plain JSON so `POST /_emulator/faults` can carry it.
 */
export interface FaultOptions {
  /** Seed of the fault streams; default 1. */
  seed?: number;
  /** A 5xx (default 500) before anything happens, on the given routes (default: all). */
  serverError?: { rate: number; routes?: RouteClass[]; status?: number };
  /** A 429 on the routes that make jobs (create, remix, edit, extension), on top of the in-flight limit; `retryAfterSeconds: null` omits the headers. Default 1. */
  rateLimit?: { rate: number; retryAfterSeconds?: number | null };
  /** Socket destroyed on a route that makes a job, before the job exists or after it was committed. */
  dropConnection?: { beforeCommit?: number; afterCommit?: number };
  /** Response delayed before the headers, or stalled halfway through the body. */
  slowBody?: { rate: number; delayMs: number; phase?: 'before' | 'during'; routes?: RouteClass[] };
  /** Content sent with its full Content-Length but only `keepFraction` (default 0.5) of the bytes, then reset. */
  truncateContent?: { rate: number; keepFraction?: number };
  /** `blockPattern`: synchronous 400 moderation_blocked; `failPattern`: the job later fails. */
  moderation?: { blockPattern?: string; failPattern?: string };
  /** Jobs whose prompt matches stay `queued` forever. */
  stuckPattern?: string;
}

export interface SlowPlan {
  delayMs: number;
  phase: 'before' | 'during';
}

/** Decides, request by request, which faults fire. Never touches the emulator's state. */
export class FaultInjector {
  private options: FaultOptions = {};
  private readonly draws = new Map<string, number>();

  constructor(options: FaultOptions = {}) {
    this.replace(options);
  }

  /** Swaps the options and restarts every stream, so a test can replay a sequence. */
  replace(options: FaultOptions): void {
    this.options = options;
    this.draws.clear();
  }

  current(): FaultOptions {
    return this.options;
  }

  serverError(route: RouteClass): number | null {
    const fault = this.options.serverError;
    if (!fault || !appliesTo(fault.routes, route)) return null;
    return this.fires(`serverError:${route}`, fault.rate) ? (fault.status ?? 500) : null;
  }

  rateLimit(route: RouteClass): { retryAfterSeconds: number | null } | null {
    const fault = this.options.rateLimit;
    if (!fault || !isCreate(route)) return null;
    if (!this.fires(`rateLimit:${route}`, fault.rate)) return null;
    return { retryAfterSeconds: fault.retryAfterSeconds === undefined ? 1 : fault.retryAfterSeconds };
  }

  dropConnection(route: RouteClass): 'beforeCommit' | 'afterCommit' | null {
    const fault = this.options.dropConnection;
    if (!fault || !isCreate(route)) return null;
    const before = fault.beforeCommit ?? 0;
    const after = fault.afterCommit ?? 0;
    if (before + after <= 0) return null;
    const draw = this.draw(`drop:${route}`);
    if (draw < before) return 'beforeCommit';
    return draw < before + after ? 'afterCommit' : null;
  }

  slowBody(route: RouteClass): SlowPlan | null {
    const fault = this.options.slowBody;
    if (!fault || !appliesTo(fault.routes, route)) return null;
    if (!this.fires(`slow:${route}`, fault.rate)) return null;
    return { delayMs: fault.delayMs, phase: fault.phase ?? 'before' };
  }

  /** The fraction of the content bytes to send before resetting, or null to send them all. */
  truncateContent(): number | null {
    const fault = this.options.truncateContent;
    if (!fault || !this.fires('truncate:content', fault.rate)) return null;
    return fault.keepFraction ?? 0.5;
  }

  moderation(prompt: string): 'block' | 'fail' | null {
    const fault = this.options.moderation;
    if (matches(fault?.blockPattern, prompt)) return 'block';
    if (matches(fault?.failPattern, prompt)) return 'fail';
    return null;
  }

  stuck(prompt: string): boolean {
    return matches(this.options.stuckPattern, prompt);
  }

  private fires(stream: string, rate: number): boolean {
    return rate > 0 && this.draw(stream) < rate;
  }

  private draw(stream: string): number {
    const index = this.draws.get(stream) ?? 0;
    this.draws.set(stream, index + 1);
    return drawUniform(this.options.seed ?? 1, stream, index);
  }
}

function isCreate(route: RouteClass): boolean {
  return route === 'create' || route === 'remix' || route === 'edit' || route === 'extension';
}

function appliesTo(routes: readonly RouteClass[] | undefined, route: RouteClass): boolean {
  return routes === undefined || routes.includes(route);
}

function matches(pattern: string | undefined, text: string): boolean {
  return pattern !== undefined && pattern !== '' && new RegExp(pattern, 'i').test(text);
}

/**
 * Checks options that arrive as JSON (`POST /_emulator/faults`, the CLI): rates in [0, 1],
 * patterns that compile, known routes. A bad fault setup is the caller's mistake: a 400.
 */
export function parseFaultOptions(input: unknown): FaultOptions {
  if (!isRecord(input)) throw invalidRequest('Fault options must be a JSON object.');
  const checkRate = (name: string, value: unknown): void => {
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) {
      throw invalidRequest(`Invalid fault '${name}': expected a rate between 0 and 1.`, name);
    }
  };
  const checkRoutes = (name: string, value: unknown): void => {
    if (value === undefined) return;
    if (!Array.isArray(value) || !value.every((route) => ROUTE_CLASSES.includes(route as RouteClass))) {
      throw invalidRequest(`Invalid fault '${name}': expected routes among ${ROUTE_CLASSES.join(', ')}.`, name);
    }
  };
  const checkPattern = (name: string, value: unknown): void => {
    if (value === undefined) return;
    try {
      new RegExp(String(value), 'i');
    } catch (cause) {
      throw invalidRequest(`Invalid fault '${name}': ${(cause as Error).message}`, name);
    }
  };
  const options = input as FaultOptions;
  checkRate('serverError.rate', options.serverError?.rate);
  checkRoutes('serverError.routes', options.serverError?.routes);
  checkRate('rateLimit.rate', options.rateLimit?.rate);
  checkRate('dropConnection.beforeCommit', options.dropConnection?.beforeCommit);
  checkRate('dropConnection.afterCommit', options.dropConnection?.afterCommit);
  checkRate('slowBody.rate', options.slowBody?.rate);
  checkRoutes('slowBody.routes', options.slowBody?.routes);
  checkRate('truncateContent.rate', options.truncateContent?.rate);
  checkRate('truncateContent.keepFraction', options.truncateContent?.keepFraction);
  checkPattern('moderation.blockPattern', options.moderation?.blockPattern);
  checkPattern('moderation.failPattern', options.moderation?.failPattern);
  checkPattern('stuckPattern', options.stuckPattern);
  if (options.seed !== undefined && !Number.isInteger(options.seed)) {
    throw invalidRequest("Invalid fault 'seed': expected an integer.", 'seed');
  }
  return options;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
