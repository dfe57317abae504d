// A controller's work queue, after client-go's workqueue: a FIFO of keys that never holds a key
// twice, never hands the same key to two workers at once, and delays keys through injected
// Timers (virtual time in simulation, wall time against a real cluster). It is pure bookkeeping:
// nothing here blocks. `get()` returns undefined when nothing is ready, and `onReady` tells the
// owner when a key becomes ready, so the owner decides how a worker is scheduled.

import type { Priority, TimerHandle, Timers } from '../../sim/core/simulation.js';

/** client-go's DefaultControllerRateLimiter: 5 ms doubling per failure ... */
export const DEFAULT_BASE_DELAY_MS = 5;
/** ... up to 1000 s. */
export const DEFAULT_MAX_DELAY_MS = 1_000_000;

export interface WorkQueueOptions {
  timers: Timers;
  /** Names the queue in timer labels. */
  name?: string;
  /** First retry delay after a failure (default 5 ms). */
  baseDelayMs?: number;
  /** Retry delay cap (default 1000 s). */
  maxDelayMs?: number;
  /** Priority of the queue's timers (in simulation: 'urgent' makes a delayed key ready before
   * reconciles due at the same instant run, like a watch event). */
  timerPriority?: Priority;
  /** Called whenever a key becomes ready to `get()`. */
  onReady?: () => void;
}

export class WorkQueue {
  readonly name: string;
  onReady: (() => void) | undefined;
  private readonly timers: Timers;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timerPriority: Priority | undefined;
  // The FIFO is an array with a moving head, so get() is O(1) without Array.shift's copying.
  private items: (string | undefined)[] = [];
  private head = 0;
  /** Keys that need processing: queued, or re-added while being processed. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  /** Keys waiting for a timer before they are added. */
  private readonly waiting = new Map<string, TimerHandle>();
  private readonly failures = new Map<string, number>();
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions) {
    this.timers = opts.timers;
    this.name = opts.name ?? 'queue';
    this.baseDelayMs = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelayMs = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.timerPriority = opts.timerPriority;
    this.onReady = opts.onReady;
    if (!(this.baseDelayMs > 0) || !(this.maxDelayMs >= this.baseDelayMs)) {
      throw new RangeError(`WorkQueue(${this.name}): need 0 < baseDelayMs <= maxDelayMs, got ${this.baseDelayMs}, ${this.maxDelayMs}`);
    }
  }

  /** Marks a key as needing processing. A key already queued is not queued twice; a key being
   * processed is queued again once `done` is called for it. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.items.push(key);
    this.onReady?.();
  }

  /** Adds the key after `delayMs`. Of several pending delays for one key the earliest wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const existing = this.waiting.get(key);
    const handle = this.timers.after(
      delayMs,
      () => {
        if (this.waiting.get(key) !== handle) return;
        this.waiting.delete(key);
        this.add(key);
      },
      { label: `requeue ${this.name} ${key}`, priority: this.timerPriority },
    );
    if (existing !== undefined) {
      if (existing.time <= handle.time) {
        this.timers.cancel(handle);
        return;
      }
      this.timers.cancel(existing);
    }
    this.waiting.set(key, handle);
  }

  /** Adds the key after its per-key exponential backoff and counts one more failure. Returns the delay. */
  addRateLimited(key: string): number {
    const delay = this.nextDelay(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** The backoff delay the next failure of `key` gets, counting that failure. */
  private nextDelay(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2 ** n overflows to Infinity for large n, which the cap absorbs.
    return Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs);
  }

  /** Clears the key's failure count: its next failure starts again at the base delay. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Failures counted for the key since it was last forgotten. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next ready key, now marked as being processed; undefined when none is ready. */
  get(): string | undefined {
    if (this.shuttingDown || this.head >= this.items.length) return undefined;
    const key = this.items[this.head]!;
    this.items[this.head++] = undefined;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.processing.add(key);
    this.dirty.delete(key);
    return key;
  }

  /** Ends processing of a key from `get()`; a key added meanwhile becomes ready again. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.items.push(key);
      this.onReady?.();
    }
  }

  /** Keys ready to get. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Keys handed out by get() and not yet done. */
  get processingCount(): number {
    return this.processing.size;
  }

  /** Whether a delayed add of the key is pending. */
  hasDelayed(key: string): boolean {
    return this.waiting.has(key);
  }

  /** Keys waiting for a timer. */
  get delayedCount(): number {
    return this.waiting.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops the queue: pending delays are cancelled, ready keys dropped, and later adds ignored.
   * Keys being processed may still be marked done. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const h of this.waiting.values()) this.timers.cancel(h);
    this.waiting.clear();
    this.items = [];
    this.head = 0;
    this.dirty.clear();
  }
}
