// The per-kind window of recent changes that watches are served from. A watch starting at a
// resourceVersion replays from here; one older than the window gets 410 Expired, as from a real
// API server's watch cache. Watchers hold a cursor into the log rather than a queue of their own,
// so a slow consumer costs nothing until the window passes it, and then it is closed (the client
// relists), which bounds memory whatever the consumer does.

import type { KubeObject, WatchEvent, WatchEventType } from '../../controller/runtime/kube-object.js';

export interface LogEntry {
  rv: number;
  type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>;
  object: KubeObject;
  /** The version before this change (MODIFIED/DELETED), so selector watches can turn a change
   * that moves an object out of the selection into DELETED and one that moves it in into ADDED. */
  prev?: KubeObject;
  /** The watch event for watchers without selectors, made once and shared. */
  event?: WatchEvent;
}

export class WatchLog {
  private readonly buf: (LogEntry | undefined)[];
  /** Absolute sequence number of the oldest retained entry. */
  private base = 0;
  private count = 0;
  /** rv of the newest entry that has fallen out of the window (0: nothing lost yet). */
  private evictedRv = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error(`watch window must be >= 1, got ${capacity}`);
    this.buf = new Array(capacity);
  }

  get end(): number {
    return this.base + this.count;
  }

  get start(): number {
    return this.base;
  }

  append(e: LogEntry): void {
    if (this.count === this.capacity) {
      const old = this.buf[this.base % this.capacity]!;
      this.evictedRv = old.rv;
      this.base++;
      this.count--;
    }
    this.buf[(this.base + this.count) % this.capacity] = e;
    this.count++;
  }

  at(seq: number): LogEntry {
    if (seq < this.base || seq >= this.end) throw new Error(`watch log entry ${seq} outside [${this.base}, ${this.end})`);
    return this.buf[seq % this.capacity]!;
  }

  /** Whether every change after `rv` is still retained. */
  covers(rv: number): boolean {
    return rv >= this.evictedRv;
  }

  /** Sequence number of the first entry with rv > `rv` (end when none). */
  seqAfter(rv: number): number {
    let lo = this.base;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The retained version of an object just before `beforeRv`, for stale-read faults. */
  previousVersion(uid: string, beforeRv: number): KubeObject | undefined {
    for (let s = this.end - 1; s >= this.base; s--) {
      const e = this.at(s);
      if (e.rv >= beforeRv) continue;
      if (e.object.metadata.uid === uid) return e.type === 'DELETED' ? undefined : e.object;
    }
    return undefined;
  }
}
