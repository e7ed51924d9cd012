import path from 'node:path';
import { createVideosClient, type VideosClient } from '../api/index.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { credentialFor } from '../providers/credentials.js';
import type { ProviderProfile } from '../providers/profile.js';
import type { CliContext } from './main.js';

/** The storyboard's server, ready to call; `close` also stops an in-process emulator. */
export interface OpenServer {
  readonly client: VideosClient;
  /** Base URL with its `/v1`; for the embedded emulator, the port it was started on. */
  readonly baseUrl: string;
  /** Whether this is the in-process emulator on the project's state directory. */
  readonly embedded: boolean;
  close(): Promise<void>;
}

/**
 * Time scale of the in-process emulator: a 4 s clip "renders" in about 1.5 s, so the
 * quickstart is quick, and jobs left in flight by a render keep that pace in status and gc.
 */
export const EMBEDDED_SPEED = 20;

/**
 * Connects to the storyboard's server as `render` does: the in-process emulator on
 * `<project>/.shotlist/emulator` when the provider is the emulator and no base URL was given,
 * otherwise the provider's base URL with the key from the environment.
 */
export async function openServer(loaded: LoadedStoryboard, options: { readonly allowInsecureHttp?: boolean; readonly emulatorSpeed?: number }, ctx: CliContext): Promise<OpenServer> {
  const { provider } = loaded.storyboard;
  const credential = credentialFor(provider.profile, ctx.io.env);
  let emulator: RunningEmulator | null = null;
  if (provider.profile.embedded && provider.baseUrl === null) {
    emulator = await startEmulator({ stateDir: path.join(loaded.projectRoot, '.shotlist', 'emulator'), speed: options.emulatorSpeed ?? EMBEDDED_SPEED });
  }
  const baseUrl = emulator?.url ?? provider.baseUrl!;
  try {
    const client = createVideosClient({ profile: provider.profile, baseUrl, apiKey: credential?.value ?? null, ...(credential ? { authStyle: credential.style } : {}), allowInsecureHttp: options.allowInsecureHttp === true });
    return {
      client,
      baseUrl,
      embedded: emulator !== null,
      async close() {
        await client.close();
        await emulator?.close();
      },
    };
  } catch (error) {
    await emulator?.close();
    throw error;
  }
}

/** The key from the first of the profile's variables that is set; a missing required key stops the run before anything is sent. */
export function apiKeyFor(profile: ProviderProfile, env: Readonly<Record<string, string | undefined>>): string | null {
  return credentialFor(profile, env)?.value ?? null;
}
