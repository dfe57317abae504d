// The event heap is intrusive: entries carry their own key and heap position. A run pushes and pops
// millions of events, so avoiding a wrapper object per event and making cancel an O(log n) removal
// (instead of tombstones that linger and inflate `size`) both pay off.

/** What an entry must carry to live in an `EventHeap`. `seq` and `heapIndex` are owned by the heap. */
export interface HeapEntry {
  readonly time: number;
  /** Smaller runs first at equal time. */
  readonly priority: number;
  /** Assigned by `push`; breaks (time, priority) ties in insertion order. */
  seq: number;
  /** Position in the heap array, or -1 when not in a heap. */
  heapIndex: number;
}

/** Binary min-heap ordered by (time, priority, seq). */
export class EventHeap<T extends HeapEntry> {
  private readonly items: T[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.items.length;
  }

  /** Adds `entry`, assigning its `seq`. Returns that seq. */
  push(entry: T): number {
    if (entry.heapIndex >= 0) throw new Error('EventHeap.push: entry is already in a heap');
    const seq = this.nextSeq++;
    entry.seq = seq;
    const i = this.items.length;
    this.items.push(entry);
    this.siftUp(entry, i);
    return seq;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const items = this.items;
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (n > 1) this.siftDown(last, 0);
    top.heapIndex = -1;
    return top;
  }

  /** Removes `entry` if it is in this heap. Returns whether it was. */
  remove(entry: T): boolean {
    const i = entry.heapIndex;
    const items = this.items;
    // The identity check rejects entries that belong to another heap but share an index.
    if (i < 0 || i >= items.length || items[i] !== entry) return false;
    const last = items.pop()!;
    entry.heapIndex = -1;
    if (last !== entry) {
      // The moved element may belong above or below the hole, depending on which subtree it came from.
      if (i > 0 && less(last, items[(i - 1) >> 1]!)) this.siftUp(last, i);
      else this.siftDown(last, i);
    }
    return true;
  }

  has(entry: T): boolean {
    const i = entry.heapIndex;
    return i >= 0 && i < this.items.length && this.items[i] === entry;
  }

  clear(): void {
    for (const e of this.items) e.heapIndex = -1;
    this.items.length = 0;
  }

  // Both sifts move a "hole" instead of swapping, halving the writes.
  private siftUp(entry: T, i: number): void {
    const items = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!less(entry, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = entry;
    entry.heapIndex = i;
  }

  private siftDown(entry: T, i: number): void {
    const items = this.items;
    const n = items.length;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let child = items[c]!;
      const r = c + 1;
      if (r < n) {
        const right = items[r]!;
        if (less(right, child)) {
          c = r;
          child = right;
        }
      }
      if (!less(child, entry)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = entry;
    entry.heapIndex = i;
  }
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.seq < b.seq;
}
