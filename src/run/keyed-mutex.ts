/**
 * Async sections that run one at a time per key, while different keys run side by side. The
 * job runner keys it by request, so that two jobs sending the very same request never both
 * adopt the one video a search finds (each create, or search, sees the other's result recorded).
 */
export interface KeyedMutex {
  run<T>(key: string, section: () => Promise<T>): Promise<T>;
}

export function createKeyedMutex(): KeyedMutex {
  const tails = new Map<string, Promise<void>>();
  return {
    run<T>(key: string, section: () => Promise<T>): Promise<T> {
      const result = (tails.get(key) ?? Promise.resolve()).then(section);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      // The key is forgotten once its last section settles, so the map does not grow with the run.
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
