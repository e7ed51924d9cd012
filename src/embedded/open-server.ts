import path from 'node:path';
import { createProtocolClient, createVideosClient, type VideoProtocolClient } from '../api/index.js';
import { UsageError } from '../errors.js';
import { confinePath } from '../files/confined-path.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { credentialFor } from '../providers/credentials.js';
import { serverName } from '../providers/profile.js';
import { openEmbeddedEmulator, type ClientAt, type EmbeddedEmulator } from './embedded-emulator.js';

/** One server of the provider, ready to call. */
export interface OpenedServer {
  /** How the lockfile and the scheduler name it (`serverName` of its base URL). */
  readonly name: string;
  /** Base URL with its `/v1`; for the embedded emulator, the port it was started on. */
  readonly baseUrl: string;
  readonly inFlight: number;
  readonly client: VideoProtocolClient;
}

/** The storyboard's server, or pool of servers, ready to call; `close` also stops an embedded emulator this process started. */
export interface OpenServer {
  /** Every server, in the order written; one unless the provider lists a pool. */
  readonly servers: readonly OpenedServer[];
  /** The server holding a lockfile entry's video: the one it names, else the first. */
  serverOf(entry: { readonly server?: string }): OpenedServer | undefined;
  close(): Promise<void>;
}

/** What opening the servers needs from the process: its environment (for keys), Ctrl-C, how paths are shown, where events go. */
export interface OpenServerOptions {
  readonly allowInsecureHttp?: boolean;
  readonly emulatorSpeed?: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
  /** A path as shown to the user. */
  readonly display: (absPath: string) => string;
  /** Which process serves the embedded emulator; the caller decides what to show. Default: nothing. */
  readonly onEvent?: (event: EmbeddedEvent) => void;
}

/**
 * What happened to the project's embedded emulator while it was opened or used: `started` and
 * `joined` say which process serves it, `takeover` that its owner stopped, `speed-not-applied`
 * that the owner's time scale differs from the `--emulator-speed` asked for.
 */
export type EmbeddedEvent =
  | { readonly type: 'started'; readonly url: string; readonly speed: number }
  | { readonly type: 'joined'; readonly pid: number; readonly url: string; readonly speed: number }
  | { readonly type: 'speed-not-applied'; readonly asked: number; readonly pid: number; readonly speed: number }
  | { readonly type: 'takeover'; readonly gonePid: number; readonly nextPid: number; readonly url: string; readonly owned: boolean };

/**
 * Time scale of the in-process emulator: a 4 s clip "renders" in about 1.5 s, so the
 * quickstart is quick, and jobs left in flight by a render keep that pace in status and gc.
 */
const EMBEDDED_SPEED = 20;

/**
 * The project's embedded emulator's state directory, `<project>/.shotlist/emulator`, when the
 * storyboard uses it (its provider is the emulator and no base URL was given); else null.
 */
export function embeddedStateDir(loaded: LoadedStoryboard): string | null {
  const { provider } = loaded.storyboard;
  return provider.profile.embedded && provider.baseUrl === null ? path.join(loaded.projectRoot, '.shotlist', 'emulator') : null;
}

/**
 * Connects to the storyboard's server as `render` does: the project's embedded emulator on
 * `<project>/.shotlist/emulator` when the provider is the emulator and no base URL was given
 * (started here, or the one another shotlist of the project already serves), otherwise the
 * provider's base URL (or each of its pool's) with the key from the environment.
 */
export async function openServer(loaded: LoadedStoryboard, options: OpenServerOptions): Promise<OpenServer> {
  const { provider } = loaded.storyboard;
  const credential = credentialFor(provider.profile, options.env);
  const clientAt: ClientAt = (baseUrl, tuning = {}) =>
    createVideosClient({
      profile: provider.profile,
      baseUrl,
      apiKey: credential?.value ?? null,
      ...(credential ? { authStyle: credential.style } : {}),
      allowInsecureHttp: options.allowInsecureHttp === true,
      ...tuning,
    });
  // The embedded emulator speaks `/v1/videos`; a server of the profile, its profile's protocol.
  const protocolClientAt = (baseUrl: string): VideoProtocolClient =>
    createProtocolClient({
      profile: provider.profile,
      baseUrl,
      apiKey: credential?.value ?? null,
      ...(credential ? { authStyle: credential.style } : {}),
      allowInsecureHttp: options.allowInsecureHttp === true,
    });
  const stateDir = embeddedStateDir(loaded);
  if (stateDir !== null) refuseStateOutside(loaded.projectRoot, stateDir, options.display);
  const emulator = stateDir === null ? null : await openEmbedded(stateDir, options, clientAt);
  const servers: OpenedServer[] = [];
  try {
    for (const server of provider.servers) {
      const baseUrl = server.baseUrl ?? emulator!.url;
      const client = server.baseUrl === null ? emulator!.client() : protocolClientAt(baseUrl);
      servers.push({ name: serverName(baseUrl), baseUrl, inFlight: server.inFlight, client });
    }
  } catch (error) {
    await Promise.all(servers.map((server) => server.client.close()));
    await emulator?.close();
    throw error;
  }
  const byName = new Map(servers.map((server) => [server.name, server]));
  const first = servers[0]!;
  return {
    servers,
    serverOf: (entry) => (entry.server === undefined ? first : byName.get(entry.server)),
    async close() {
      await Promise.all(servers.map((server) => server.client.close()));
      await emulator?.close();
    },
  };
}

/**
 * The embedded emulator keeps its state (jobs, media, its owner record) in the project: a
 * committed `.shotlist -> /elsewhere` would have it written, and trusted, outside.
 */
function refuseStateOutside(projectRoot: string, stateDir: string, display: (absPath: string) => string): void {
  const confined = confinePath(projectRoot, stateDir);
  if (confined.ok) return;
  throw new UsageError(
    `the embedded emulator's state directory ${display(stateDir)} leads outside the project directory${confined.reason === 'dangling' ? ' (through a symlink to nothing)' : ` (to ${confined.resolved})`}`,
    {
      hint: 'remove the symlink, or run `shotlist emulator --state-dir DIR` there and point at it with --base-url',
    },
  );
}

/**
 * The project's embedded emulator, shared by its shotlist processes. A process that joins
 * another's gets that owner's time scale; an `--emulator-speed` it cannot honour is an event,
 * as are which process serves it and a takeover from an owner that stopped.
 */
async function openEmbedded(stateDir: string, options: OpenServerOptions, clientAt: ClientAt): Promise<EmbeddedEmulator> {
  const speed = options.emulatorSpeed ?? EMBEDDED_SPEED;
  const tell = options.onEvent ?? (() => undefined);
  const emulator = await openEmbeddedEmulator({
    stateDir,
    speed,
    clientAt,
    signal: options.signal,
    display: options.display(stateDir),
    onTakeover: (gone, next, owned) => tell({ type: 'takeover', gonePid: gone.pid, nextPid: next.pid, url: next.url, owned }),
  });
  const { pid, speed: ownerSpeed } = emulator.owner;
  if (emulator.owned) tell({ type: 'started', url: emulator.url, speed: ownerSpeed });
  else if (options.emulatorSpeed !== undefined && ownerSpeed !== speed) tell({ type: 'speed-not-applied', asked: speed, pid, speed: ownerSpeed });
  else tell({ type: 'joined', pid, url: emulator.url, speed: ownerSpeed });
  return emulator;
}
