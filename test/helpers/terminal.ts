import xterm from '@xterm/headless';
import type { OutputStream } from '../../src/cli/main.js';

/**
 * A real terminal emulator (xterm.js, headless) behind fake TTY streams: what a command writes
 * is parsed as a terminal would, so a test asserts on what the screen shows, not on escape
 * sequences. stdout and stderr share the screen, as they do in a terminal window.
 */
export interface TestTerminal {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Narrows or widens the window: the terminal reflows, then the streams say the new width and emit `resize`. */
  resize(columns: number): void;
  /**
   * Every row of the scrollback and the screen, once all output so far is parsed; trailing blank
   * rows dropped. `joined`: a line the terminal wrapped is one entry, as it was written.
   */
  lines(options?: { readonly joined?: boolean }): Promise<string[]>;
  /** Everything written so far, raw. */
  readonly written: () => string;
}

export function createTestTerminal(columns: number, rows = 40): TestTerminal {
  // convertEol: the tty driver turns "\n" into "\r\n" on the way to a real terminal.
  const term = new xterm.Terminal({ cols: columns, rows, scrollback: 10_000, convertEol: true, allowProposedApi: true });
  let parsed: Promise<void> = Promise.resolve();
  let raw = '';
  let width = columns;
  const listeners = new Set<() => void>();
  const stream = (): OutputStream => ({
    isTTY: true,
    get columns() {
      return width;
    },
    rows,
    write(text: string) {
      raw += text;
      parsed = parsed.then(() => new Promise<void>((resolve) => term.write(text, resolve)));
      return true;
    },
    on: (_event, listener) => listeners.add(listener),
    off: (_event, listener) => listeners.delete(listener),
  });
  return {
    stdout: stream(),
    stderr: stream(),
    resize(next) {
      parsed = parsed.then(() => term.resize(next, rows));
      width = next;
      for (const listener of listeners) listener();
    },
    async lines(options = {}) {
      await parsed;
      const buffer = term.buffer.active;
      const out: string[] = [];
      for (let i = 0; i < buffer.length; i++) {
        const line = buffer.getLine(i);
        const text = line?.translateToString(true) ?? '';
        if (options.joined && line?.isWrapped && out.length > 0) out[out.length - 1] += text;
        else out.push(text);
      }
      while (out.length > 0 && out.at(-1) === '') out.pop();
      return out;
    },
    written: () => raw,
  };
}
