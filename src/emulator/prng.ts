/**
 * Small seeded randomness for fault injection. Each fault kind draws from its own stream,
 * indexed by how many times that kind was consulted, so the n-th create sees the same faults
 * whatever number of polls happened in between.
 */

/** mulberry32: a 32-bit state PRNG, good enough to decide "fail this request or not". */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over a string: mixes a stream name into a seed. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The `index`-th draw of the stream `name` under `seed`, uniform in [0, 1). */
export function drawUniform(seed: number, name: string, index: number): number {
  const next = mulberry32((seed ^ hashString(name) ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  next();
  return next();
}
