import type { ProviderProfile } from './profile.js';

/** What `shotlist providers` shows of a profile, and what a plan notes about it. Pure. */

export interface ProfileSummary {
  readonly name: string;
  /** `built-in` or `configured` (shotlist.providers.yaml). */
  readonly source: 'built-in' | 'configured';
  readonly description: string;
  readonly base_url: string | null;
  /** A pool's servers (base URL and cap); absent for a single server. */
  readonly servers?: readonly { readonly base_url: string; readonly in_flight: number }[];
  readonly encoding: ProviderProfile['encoding'];
  /** `bearer`, `api-key`, `api-key or bearer token`, or `none`; `optional` when a key is not required. */
  readonly auth: string;
  readonly auth_env: readonly string[];
  readonly models: readonly string[] | 'any';
  readonly remix: boolean;
  readonly edit: boolean;
  readonly extend: boolean;
  /** Most characters one video may cast; 0: none. */
  readonly characters: number;
  readonly delete: boolean;
  readonly list: boolean;
  readonly variants: readonly string[];
  readonly input_reference: boolean;
  readonly extra_fields: readonly string[];
  readonly extra_placement: ProviderProfile['extraFields']['placement'];
  readonly in_flight: number;
  readonly creates_per_minute: number | null;
  /** Whether every model has a price for at least one size (none listed: unknown). */
  readonly prices_known: boolean;
  readonly retired: string | null;
}

export function summarizeProfile(profile: ProviderProfile, source: ProfileSummary['source']): ProfileSummary {
  const models = Object.keys(profile.models);
  const { auth } = profile;
  const style = auth.style === 'none' ? 'none' : auth.tokenEnv && auth.tokenEnv.length > 0 ? `${auth.style} or bearer token` : auth.style;
  return {
    name: profile.name,
    source,
    description: profile.description,
    base_url: profile.baseUrl,
    ...(profile.servers ? { servers: profile.servers.map((server) => ({ base_url: server.baseUrl, in_flight: server.inFlight ?? profile.limits.inFlight })) } : {}),
    encoding: profile.encoding,
    auth: auth.required || style === 'none' ? style : `${style} (optional)`,
    auth_env: [...auth.env, ...(auth.tokenEnv ?? [])],
    models: models.length === 0 ? 'any' : models,
    remix: profile.features.remix,
    edit: profile.features.edit ?? false,
    extend: profile.features.extend ?? false,
    characters: profile.features.characters ?? 0,
    delete: profile.features.delete,
    list: profile.features.list,
    variants: profile.features.contentVariants,
    input_reference: profile.features.inputReference,
    extra_fields: profile.extraFields.allowed,
    extra_placement: profile.extraFields.placement,
    in_flight: profile.limits.inFlight,
    creates_per_minute: profile.limits.createsPerMinute,
    prices_known: pricesKnown(profile),
    retired: profile.retired ? `${profile.retired.date}` : null,
  };
}

/**
 * What the plan should say about the provider before anything is sent: endpoints it lacks and
 * what shotlist does instead. Empty for a server with the whole contract.
 */
export function profileNotes(profile: ProviderProfile): string[] {
  const notes: string[] = [];
  const { features } = profile;
  if (!features.contentVariants.includes('thumbnail')) notes.push(`provider "${profile.name}" has no thumbnails: only the MP4 of each job is downloaded`);
  if (!features.list) notes.push(`provider "${profile.name}" cannot list videos: a create whose answer is lost fails its job rather than risk paying twice`);
  if (!features.delete) notes.push(`provider "${profile.name}" cannot delete videos: they stay until the server's own retention ends`);
  if (!features.remix) notes.push(`provider "${profile.name}" cannot remix videos`);
  if (!pricesKnown(profile)) notes.push(`provider "${profile.name}" has no prices: costs are shown as $?, never as zero`);
  return notes;
}

/** Whether the profile lists models and every one has a price for at least one size. */
function pricesKnown(profile: ProviderProfile): boolean {
  const models = Object.values(profile.models);
  return models.length > 0 && models.every((model) => Object.keys(model.pricePerSecond ?? {}).length > 0);
}
