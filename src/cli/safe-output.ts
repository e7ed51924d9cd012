import { safeOutputText } from '../untrusted/control-characters.js';
import type { OutputStream } from './context.js';

/**
 * An output stream whose every write passes through `safeOutputText`: whatever route a string
 * takes to stdout or stderr (a message nobody thought of as server text, a new event), no
 * credential and no control sequence but shotlist's own reaches the terminal or the CI log.
 * Everything else about the stream (`isTTY`, its size) is the stream's own.
 */
export function safeOutput<S extends OutputStream>(stream: S): S {
  const write = (text: string): unknown => stream.write(safeOutputText(text));
  return new Proxy(stream, {
    get(target, property) {
      if (property === 'write') return write;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
