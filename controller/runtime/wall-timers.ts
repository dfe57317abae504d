// The wall-clock Clock and Timers, for the real manager only. Everything that takes Timers runs
// the same on a Simulation, which is how the real manager and leader election are tested with
// virtual time; this file is the one place that reads the wall clock and calls setTimeout.

import type { Clock } from '../../sim/core/clock.js';
import type { EventCallback, TimerHandle, TimerOptions, Timers } from '../../sim/core/simulation.js';

export const wallClock: Clock = { now: () => Date.now() };

interface WallTimer extends TimerHandle {
  timeout: ReturnType<typeof setTimeout> | undefined;
}

export class WallTimers implements Timers {
  private nextId = 1;
  private readonly live = new Set<WallTimer>();

  /** `onError` receives a callback's exception or rejection (the wall clock has no loop to stop). */
  constructor(private readonly onError: (label: string, err: unknown) => void = defaultOnError) {}

  after(delayMs: number, fn: EventCallback, opts?: TimerOptions): TimerHandle {
    if (typeof delayMs !== 'number' || !(delayMs >= 0) || delayMs === Infinity) {
      throw new RangeError(`WallTimers.after: delay must be a finite number >= 0, got ${delayMs}`);
    }
    const label = opts?.label ?? (fn.name || 'anonymous');
    const t: WallTimer = { id: this.nextId++, time: Date.now() + delayMs, label, timeout: undefined };
    t.timeout = setTimeout(() => {
      this.live.delete(t);
      t.timeout = undefined;
      try {
        const r = fn();
        if (r && typeof (r as PromiseLike<unknown>).then === 'function') {
          Promise.resolve(r).catch((err: unknown) => this.onError(label, err));
        }
      } catch (err) {
        this.onError(label, err);
      }
    }, delayMs);
    this.live.add(t);
    return t;
  }

  cancel(handle: TimerHandle): boolean {
    const t = handle as WallTimer;
    if (!this.live.has(t)) return false;
    this.live.delete(t);
    clearTimeout(t.timeout);
    t.timeout = undefined;
    return true;
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get pending(): number {
    return this.live.size;
  }

  /** Cancels every pending timer. */
  cancelAll(): void {
    for (const t of [...this.live]) this.cancel(t);
  }
}

function defaultOnError(label: string, err: unknown): void {
  process.stderr.write(`timer "${label}" failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
}
