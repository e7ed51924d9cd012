import { NotFoundError, type VideoProtocolClient } from '../api/index.js';
import { UsageError } from '../errors.js';
import type { PlannedJob } from '../plan/plan.js';
import type { ProviderProfile } from '../providers/profile.js';

/**
 * A server of one model (vLLM-Omni) refuses a create naming another with a 400, job after job.
 * Asked once, before anything is sent: which model does it serve? A storyboard that names a
 * different one stops the run here. Jobs that name none let the server use its own.
 */
export async function checkServedModel(
  client: VideoProtocolClient,
  profile: ProviderProfile,
  jobs: readonly PlannedJob[],
  signal: AbortSignal,
  server?: string,
): Promise<void> {
  const { listModels } = client;
  if (profile.discoverModel !== true || listModels === undefined) return;
  const named = jobs.filter((job) => job.action === 'render' && job.remixOf === null && job.request.model !== null);
  if (named.length === 0) return;
  let served: string[];
  try {
    served = await listModels({ signal });
  } catch (error) {
    // A server without the route cannot be asked; the creates will say.
    if (error instanceof NotFoundError) return;
    throw error;
  }
  const wrong = named.find((job) => !served.includes(job.request.model!));
  if (wrong && served.length > 0) {
    throw new UsageError(
      `the ${profile.name} server${server ? ` ${server}` : ''} serves ${served.join(', ')}, but job ${wrong.id} asks for model "${wrong.request.model}"`,
      {
        hint: `set model: ${served[0]} in defaults, or leave model out to use whatever the server serves`,
      },
    );
  }
}
