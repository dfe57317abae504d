// A binary min-heap whose entries remember their position, so removing any entry is O(log n).
// An entry lives in at most one IndexedHeap at a time (the scheduling queue's active, backoff and
// unschedulable sets share the one `heapIndex` field for that reason).

export interface HeapItem {
  /** Position in the heap's array, or -1 when in no heap. Owned by the heap. */
  heapIndex: number;
}

export class IndexedHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  /** The entries in heap order (not sorted). */
  values(): readonly T[] {
    return this.items;
  }

  has(x: T): boolean {
    const i = x.heapIndex;
    return i >= 0 && i < this.items.length && this.items[i] === x;
  }

  push(x: T): void {
    if (x.heapIndex >= 0) throw new Error('IndexedHeap.push: entry is already in a heap');
    this.items.push(x);
    x.heapIndex = this.items.length - 1;
    this.up(x.heapIndex);
  }

  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    this.removeAt(0);
    return top;
  }

  remove(x: T): boolean {
    if (!this.has(x)) return false;
    this.removeAt(x.heapIndex);
    return true;
  }

  clear(): void {
    for (const x of this.items) x.heapIndex = -1;
    this.items.length = 0;
  }

  private removeAt(i: number): void {
    const items = this.items;
    const x = items[i]!;
    const last = items.pop()!;
    x.heapIndex = -1;
    if (last === x) return;
    items[i] = last;
    last.heapIndex = i;
    if (i > 0 && this.less(last, items[(i - 1) >> 1]!)) this.up(i);
    else this.down(i);
  }

  private up(i: number): void {
    const items = this.items;
    const x = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!this.less(x, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = x;
    x.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const x = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(items[r]!, items[l]!) ? r : l;
      const child = items[c]!;
      if (!this.less(child, x)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = x;
    x.heapIndex = i;
  }
}
