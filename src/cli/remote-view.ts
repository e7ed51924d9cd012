import { openProjectRemote } from '../remote/open-project-remote.js';
import type { RemoteStore } from '../remote/store.js';
import type { TransferEvent, TransferSummary } from '../remote/transfer.js';
import { printable } from '../untrusted/control-characters.js';
import type { CliContext } from './context.js';
import { displayPath } from './load-for-cli.js';

/**
 * The remote as commands show it: opened from `--remote`, `SHOTLIST_REMOTE` or the project's
 * config; transfers as a one-line progress on a terminal, `remote.blob` and `remote.summary`
 * events under `--json`, failures and a summary line otherwise.
 */

export function openRemoteForCli(projectRoot: string, flag: string | undefined, ctx: CliContext): Promise<RemoteStore | null> {
  return openProjectRemote(projectRoot, { flag, env: ctx.io.env, cwd: ctx.io.cwd }, (p) => displayPath(ctx, p)).then((opened) => opened?.store ?? null);
}

export interface TransferView {
  readonly onEvent: (event: TransferEvent) => void;
  /** Clears the progress line. */
  readonly close: () => void;
}

export function createTransferView(ctx: CliContext): TransferView {
  const { log } = ctx;
  const live = log.live && !log.json && !log.quiet;
  let done = 0;
  let bytes = 0;
  let shown = false;
  const draw = (event: TransferEvent) => {
    if (!live) return;
    ctx.io.stderr.write(`\r\x1b[K${event.direction === 'push' ? 'pushing' : 'pulling'}: ${done} done, ${formatBytes(bytes)}; ${printable(event.path)}`);
    shown = true;
  };
  const close = () => {
    if (shown) ctx.io.stderr.write('\r\x1b[K');
    shown = false;
  };
  const onEvent = (event: TransferEvent): void => {
    // Under --json every state but the byte-by-byte progress is an event.
    if (event.state !== 'progress') log.event(event);
    switch (event.state) {
      case 'transferred':
        bytes += event.bytes;
        done++;
        return draw(event);
      case 'present':
      case 'missing':
        done++;
        return draw(event);
      case 'failed':
        close();
        return log.error(`${ctx.err.red('failed')}  ${event.direction} ${printable(event.path)}: ${printable(event.message)}\n`);
      case 'retry':
        return log.debug(`retrying ${event.direction} of ${printable(event.path)} in ${event.delay_ms} ms: ${printable(event.reason)}\n`);
      default:
        return draw(event);
    }
  };
  return { onEvent, close };
}

/** `pushed 3 files (12.0 MB, 40 MB/s) to s3://…; 997 already there; 1 failed`. */
export function formatTransferSummary(summary: TransferSummary): string {
  const verb = summary.direction === 'push' ? 'pushed' : 'pulled';
  const where = summary.direction === 'push' ? 'to' : 'from';
  const rate = summary.seconds > 0 && summary.bytes_transferred > 0 ? `, ${formatBytes(summary.bytes_transferred / summary.seconds)}/s` : '';
  const parts = [
    `${verb} ${summary.transferred} file${summary.transferred === 1 ? '' : 's'} (${formatBytes(summary.bytes_transferred)}${rate}) ${where} ${printable(summary.remote)}`,
    summary.present > 0 ? `${summary.present} already there` : '',
    summary.missing > 0 ? `${summary.missing} ${summary.direction === 'push' ? 'not on disk' : 'not on the remote'}` : '',
    summary.failed > 0 ? `${summary.failed} failed` : '',
    summary.interrupted ? 'interrupted' : '',
  ].filter(Boolean);
  return `${parts.join('; ')}\n`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}
