/**
 * The emulator of OpenAI's Sora 2 `/v1/videos` contract: the default provider (real MP4s,
 * offline) and the test target of the whole project; its flavors also serve Gemini's, fal's and
 * Replicate's job APIs on the same engine.
 */
export { startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator.js';
export { runEmulatorServer, type RunServerIo } from './run-server.js';
export { FLAVOR_NAMES, type FlavorName } from './flavor.js';
export { parseFaultOptions, type FaultOptions, type RouteClass } from './faults.js';
export type { EmulatorStats, StatsJob } from './stats.js';
export type { VideoObject, VideoStatus } from './job.js';
