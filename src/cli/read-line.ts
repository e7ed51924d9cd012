import { createInterface } from 'node:readline';
import type { InputStream } from './context.js';

/** One line of input; `null` at end of input or on Ctrl-C. */
export function readLine(input: InputStream, signal: AbortSignal): Promise<string | null> {
  const rl = createInterface({ input, terminal: false });
  return new Promise<string | null>((resolve) => {
    let settled = false;
    const done = (line: string | null) => {
      // Closing emits 'close' at once, which calls back here: the first answer stands.
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(line);
      rl.close();
    };
    const onAbort = () => done(null);
    if (signal.aborted) return done(null);
    signal.addEventListener('abort', onAbort, { once: true });
    rl.once('line', (line) => done(line));
    rl.once('close', () => done(null));
  });
}
