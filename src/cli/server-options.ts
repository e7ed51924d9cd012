import type { EmbeddedEvent, OpenServerOptions } from '../embedded/open-server.js';
import { displayPath } from './load-for-cli.js';
import type { CliContext } from './context.js';

/** What `openServer` needs of a command: its flags, the process's environment and Ctrl-C, and the embedded emulator's events shown on stderr. */
export function serverOptions(
  ctx: CliContext,
  flags: { readonly allowInsecureHttp?: boolean | undefined; readonly emulatorSpeed?: number | undefined },
): OpenServerOptions {
  return {
    allowInsecureHttp: flags.allowInsecureHttp === true,
    ...(flags.emulatorSpeed ? { emulatorSpeed: flags.emulatorSpeed } : {}),
    env: ctx.io.env,
    signal: ctx.io.signal,
    display: (p) => displayPath(ctx, p),
    onEvent: (event) => tellEmbedded(event, ctx),
  };
}

/** Which process serves the embedded emulator is told under `--verbose`; an `--emulator-speed` not applied is always told. */
export function tellEmbedded(event: EmbeddedEvent, ctx: CliContext): void {
  const say = (text: string) => ctx.log.debug(`${text}\n`);
  switch (event.type) {
    case 'started':
      return void say(`started the embedded emulator at ${event.url} (speed ${event.speed})`);
    case 'joined':
      return void say(`using the embedded emulator served by shotlist pid ${event.pid} at ${event.url} (speed ${event.speed})`);
    case 'takeover':
      return void say(
        `the embedded emulator's shotlist (pid ${event.gonePid}) stopped; ${event.owned ? 'this process now serves it' : `now using pid ${event.nextPid}'s`} at ${event.url}`,
      );
    case 'speed-not-applied':
      return ctx.log.error(
        `note: --emulator-speed ${event.asked} not applied: the embedded emulator is already served by shotlist pid ${event.pid}, at speed ${event.speed}\n`,
      );
  }
}
