import { startEmulator, type EmulatorOptions } from './emulator.js';

export interface RunServerIo {
  log(line: string): void;
  /** Stops the server when aborted; default: the first SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

/**
 * Runs the emulator in the foreground for `shotlist emulator`: prints where it listens and
 * how to reach its controls, then serves until interrupted and closes cleanly.
 */
export async function runEmulatorServer(options: EmulatorOptions, io: RunServerIo): Promise<void> {
  const emulator = await startEmulator({ log: io.log, ...options });
  io.log(`emulator${options.flavor && options.flavor !== 'openai' ? ` (${options.flavor} flavor)` : ''} listening on ${emulator.url}`);
  io.log(`controls: GET ${controlUrl(emulator.url, 'stats')}, POST ${controlUrl(emulator.url, 'clock')}, POST ${controlUrl(emulator.url, 'faults')}`);
  await untilStopped(io.signal);
  io.log('emulator stopping');
  await emulator.close();
}

/** The controls live at the origin's root, whatever the flavor's base path (`/v1`, `/openai/v1`, `/v1beta`, none). */
function controlUrl(baseUrl: string, name: string): string {
  return `${new URL(baseUrl).origin}/_emulator/${name}`;
}

function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  if (signal) {
    return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
