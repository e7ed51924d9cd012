import { abortableSleep, NetworkError, type ListAllOptions, type CallOptions, type Sleep, type Video, type VideosClient } from '../api/index.js';
import type { ClientAt, Holding, ServingOwner } from './embedded-emulator.js';

/**
 * A client of the embedded emulator that outlives the shotlist process serving it. When a call
 * fails because nothing answers and that owner has gone, the emulator is opened again
 * (`replace`: this process starts it on the same state, or joins the one that did) and the call
 * is sent once more, there. Sending it again is safe: a create fails this way only when it never
 * reached the server (one cut off mid-way is "outcome unknown", which the runner reconciles
 * through this same client), and every other call is idempotent.
 */
export function createFollowingClient(start: Holding, replace: (gone: Holding) => Promise<Holding>, clientAt: ClientAt): VideosClient {
  const clientOf = (holding: Holding): VideosClient => clientAt(holding.owner.url, holding.owned ? {} : { sleep: skipWaitsOnceGone(holding) });
  let bound = { holding: start, client: clientOf(start) };
  // Clients of owners that have gone are closed with this one; calls still on them end on their own.
  const retired: VideosClient[] = [];

  /** The binding after `holding` has gone: the next owner's, made once however many calls ask. */
  const rebind = async (holding: Holding): Promise<{ holding: Holding; client: VideosClient }> => {
    const next = await replace(holding);
    if (bound.holding !== next) {
      retired.push(bound.client);
      bound = { holding: next, client: clientOf(next) };
    }
    return bound;
  };

  const follow = async <T>(call: (client: VideosClient) => Promise<T>): Promise<T> => {
    const { holding, client } = bound;
    try {
      return await call(client);
    } catch (error) {
      if (!(await ownerHasGone(holding, error))) throw error;
      return call((await rebind(holding)).client);
    }
  };

  /** A listing is followed only if it had not begun: one resumed elsewhere could repeat or skip videos. */
  async function* listAll(query: ListAllOptions | undefined, opts: CallOptions | undefined): AsyncIterable<Video> {
    const { holding, client } = bound;
    let listed = 0;
    try {
      for await (const video of client.listAll(query, opts)) {
        listed++;
        yield video;
      }
      return;
    } catch (error) {
      if (!(await ownerHasGone(holding, error))) throw error;
      if (listed > 0) throw new EmulatorOwnerGoneError(error as NetworkError, holding.owner);
    }
    yield* (await rebind(holding)).client.listAll(query, opts);
  }

  return {
    create: (req, opts) => follow((client) => client.create(req, opts)),
    remix: (videoId, prompt, opts) => follow((client) => client.remix(videoId, prompt, opts)),
    edit: (videoId, prompt, opts) => follow((client) => client.edit(videoId, prompt, opts)),
    extend: (videoId, prompt, seconds, opts) => follow((client) => client.extend(videoId, prompt, seconds, opts)),
    createCharacter: (clip, name, opts) => follow((client) => client.createCharacter(clip, name, opts)),
    getCharacter: (characterId, opts) => follow((client) => client.getCharacter(characterId, opts)),
    retrieve: (videoId, opts) => follow((client) => client.retrieve(videoId, opts)),
    list: (query, opts) => follow((client) => client.list(query, opts)),
    listAll,
    delete: (videoId, opts) => follow((client) => client.delete(videoId, opts)),
    listModels: (opts) => follow((client) => client.listModels(opts)),
    download: (videoId, variant, destPath, opts) => follow((client) => client.download(videoId, variant, destPath, opts)),
    async close() {
      await Promise.all([bound.client, ...retired].map((client) => client.close()));
    },
  };
}

/** The owner stopped while a listing was being read from it. Still a `NetworkError`: nothing answers there any more. */
export class EmulatorOwnerGoneError extends NetworkError {
  constructor(cause: NetworkError, owner: ServingOwner) {
    super(
      { method: cause.method, path: cause.path },
      `the embedded emulator stopped with the shotlist process that served it (pid ${owner.pid}) while its videos were being listed; run the command again`,
      cause.beforeSend,
      { cause },
    );
  }
}

/** Nothing answered, and the owner's record or process says it has gone (not a hiccup of a live one). */
async function ownerHasGone(holding: Holding, error: unknown): Promise<boolean> {
  return error instanceof NetworkError && (await holding.left());
}

/** Retries against an owner that has gone would only wait: they go at once, so the failure reaches `follow` sooner. */
function skipWaitsOnceGone(holding: Holding): Sleep {
  return async (ms, signal) => {
    if (!(await holding.left())) await abortableSleep(ms, signal);
  };
}
