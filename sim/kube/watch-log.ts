// The per-kind window of recent changes that watches are served from. A watch starting at a
// resourceVersion replays from here; one older than the window gets 410 Expired, as from a real
// API server's watch cache. Watchers hold a cursor into the log rather than a queue of their own,
// so a slow consumer costs nothing until the window passes it, and then it is closed (the client
// relists), which bounds memory whatever the consumer does.
//
// The window is sized as kube-apiserver sizes its watch cache (watch_cache.go, resizeCacheLocked):
// it starts at 100 changes and, when full, doubles (up to 102,400) while its oldest change is
// younger than 75 s, and halves (down to 100) once the newest quarter is older than that. So a
// burst is retained for 75 s whatever its size, and a quiet kind keeps 100 changes. A fixed
// window (tests, `watchWindow`) never resizes.

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
  /** When the change was recorded (ms, the store's clock): the dynamic window's freshness test. */
  at?: number;
}

/** kube-apiserver's watch cache bounds: defaultLowerBoundCapacity, defaultUpperBoundCapacity,
 * DefaultEventFreshDuration. */
export const WATCH_CACHE_SIZING: WindowSizing = { min: 100, max: 100 * 1024, freshMs: 75_000 };

export interface WindowSizing {
  min: number;
  max: number;
  /** A full window whose oldest change is younger than this grows. */
  freshMs: number;
}

export class WatchLog {
  private buf: (LogEntry | undefined)[];
  private cap: number;
  /** Absolute sequence number of the oldest retained entry. */
  private base = 0;
  private count = 0;
  /** rv of the newest entry that has fallen out of the window (0: nothing lost yet). */
  private evictedRv = 0;

  /** A fixed window of `window` changes, or one sized as kube-apiserver's watch cache. */
  constructor(window: number | WindowSizing) {
    this.sizing = typeof window === 'number' ? undefined : window;
    const cap = typeof window === 'number' ? window : window.min;
    if (!(cap >= 1)) throw new Error(`watch window must be >= 1, got ${cap}`);
    if (this.sizing && !(this.sizing.max >= cap)) throw new Error(`watch window max must be >= ${cap}, got ${this.sizing.max}`);
    this.cap = cap;
    this.buf = new Array(cap);
  }

  private readonly sizing: WindowSizing | undefined;

  /** How many changes the window holds now. */
  get capacity(): number {
    return this.cap;
  }

  get end(): number {
    return this.base + this.count;
  }

  get start(): number {
    return this.base;
  }

  /** Appends a change recorded at `e.at` (resizing first, as updateCache does). */
  append(e: LogEntry): void {
    if (this.sizing && this.count === this.cap && e.at !== undefined) this.resize(e.at, this.sizing);
    if (this.count === this.cap) {
      const old = this.buf[this.base % this.cap]!;
      this.buf[this.base % this.cap] = undefined;
      this.evictedRv = old.rv;
      this.base++;
      this.count--;
    }
    this.buf[(this.base + this.count) % this.cap] = e;
    this.count++;
  }

  private resize(now: number, s: WindowSizing): void {
    const oldest = this.buf[this.base % this.cap]!;
    if (now - (oldest.at ?? now) < s.freshMs) {
      if (this.cap < s.max) this.relayout(Math.min(this.cap * 2, s.max));
      return;
    }
    const recentQuarter = this.buf[(this.end - Math.floor(this.cap / 4)) % this.cap]!;
    if (now - (recentQuarter.at ?? now) > s.freshMs && this.cap > s.min) this.relayout(Math.max(Math.floor(this.cap / 2), s.min));
  }

  /** Moves the retained entries into a buffer of `cap` slots, keeping the newest when shrinking.
   * Sequence numbers stay absolute, so watchers' cursors are unaffected. */
  private relayout(cap: number): void {
    const keep = Math.min(this.count, cap);
    const from = this.end - keep;
    if (from > this.base) this.evictedRv = this.buf[(from - 1) % this.cap]!.rv;
    const buf: (LogEntry | undefined)[] = new Array(cap);
    for (let s = from; s < this.end; s++) buf[s % cap] = this.buf[s % this.cap];
    this.buf = buf;
    this.cap = cap;
    this.base = from;
    this.count = keep;
  }

  at(seq: number): LogEntry {
    if (seq < this.base || seq >= this.end) throw new Error(`watch log entry ${seq} outside [${this.base}, ${this.end})`);
    return this.buf[seq % this.cap]!;
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
