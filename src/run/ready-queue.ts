/**
 * A binary heap: the scheduler's ready jobs, best first. A heap rather than a sorted array
 * because a storyboard with thousands of variants makes every job ready at once.
 */
export interface ReadyQueue<T> {
  readonly size: number;
  push(item: T): void;
  /** The best item, left in place; `undefined` when empty. */
  peek(): T | undefined;
  /** The best item, removed; `undefined` when empty. */
  pop(): T | undefined;
}

/** `before(a, b)` is true when `a` must come out before `b`; it must be a strict total order. */
export function createReadyQueue<T>(before: (a: T, b: T) => boolean): ReadyQueue<T> {
  const heap: T[] = [];
  const swap = (i: number, j: number): void => {
    const item = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = item;
  };
  return {
    get size() {
      return heap.length;
    },
    push(item) {
      heap.push(item);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (!before(heap[i]!, heap[parent]!)) break;
        swap(i, parent);
        i = parent;
      }
    },
    peek() {
      return heap[0];
    },
    pop() {
      const top = heap[0];
      const last = heap.pop();
      if (heap.length === 0 || last === undefined) return top;
      heap[0] = last;
      for (let i = 0; ;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let best = i;
        if (left < heap.length && before(heap[left]!, heap[best]!)) best = left;
        if (right < heap.length && before(heap[right]!, heap[best]!)) best = right;
        if (best === i) break;
        swap(i, best);
        i = best;
      }
      return top;
    },
  };
}
