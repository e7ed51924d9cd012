/**
 * One listener per signal, however many calls wait on it. A render hands its root signal to
 * every call of every job: each adding its own `abort` listener piles up past Node's limit of
 * 10 (`MaxListenersExceededWarning`) as soon as jobs run side by side, and any call that forgot
 * to remove its own would hold on to a finished request for as long as the root lives (a watch
 * session). Here the signal holds one listener that fans out to the callbacks registered now,
 * and drops it when the last one is disposed.
 */

interface Hub {
  readonly callbacks: Set<() => void>;
  readonly fire: () => void;
}

const hubs = new WeakMap<AbortSignal, Hub>();

/** Disposes of a registration: after it, the callback is not called; calling it again is harmless. */
export type Unlink = () => void;

/**
 * Calls `callback` once, when `signal` aborts (at once if it already has), unless the returned
 * `Unlink` ran first. Every caller must unlink when its wait ends, whichever way it ends.
 */
export function onAbort(signal: AbortSignal, callback: () => void): Unlink {
  if (signal.aborted) {
    callback();
    return () => undefined;
  }
  let hub = hubs.get(signal);
  if (hub === undefined) {
    const callbacks = new Set<() => void>();
    const fire = (): void => {
      hubs.delete(signal);
      for (const each of [...callbacks]) each();
      callbacks.clear();
    };
    hub = { callbacks, fire };
    hubs.set(signal, hub);
    signal.addEventListener('abort', fire, { once: true });
  }
  // A wrapper per registration: the same function registered twice is two waits.
  const entry = (): void => callback();
  const owner = hub;
  owner.callbacks.add(entry);
  return () => {
    if (!owner.callbacks.delete(entry) || owner.callbacks.size > 0) return;
    signal.removeEventListener('abort', owner.fire);
    if (hubs.get(signal) === owner) hubs.delete(signal);
  };
}
