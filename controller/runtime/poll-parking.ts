// Idle polls, parked. KubeRay's RayJob controller looks at a running job every 3 s, whatever
// happens; over a month of a busy fleet that is tens of millions of reconciles that find nothing
// new. When a reconcile says its requeue is only a poll (Result.poll) and it wrote nothing, the
// controller parks the key here instead of arming a timer: the requeue timers it would have armed
// form a grid (origin, origin + period, ...), and the key is woken at the first grid point at or
// after anything that could change the poll's answer:
//   - the polled source changes (PollSources.watch): woken at the next grid point;
//   - a deadline the reconciler named (poll.until) nears: the poll one period before the first
//     grid point at or after it runs, and arms the deadline's poll itself;
//   - a watched object changes: the key is reconciled then anyway (a watch event), and if that
//     reconcile is not idle the grid's next point becomes a real timer again (materialise).
// So every reconcile whose outcome could differ from the last one runs at the virtual time it
// would have run without parking; only reconciles that would have changed nothing are skipped.
// What can differ is the order of work within one instant: a woken poll's timer is armed when
// the change happens rather than one period earlier.

import type { Clock } from '../../sim/core/clock.js';
import type { TimerHandle, Timers, Priority } from '../../sim/core/simulation.js';
import type { PollSources } from './poll-sources.js';
import type { PollHint } from './reconciler.js';
import type { WorkQueue } from './work-queue.js';

interface Parked {
  /** When the idle poll that parked the key finished: the grid's origin. */
  origin: number;
  periodMs: number;
  cancelWatch?: () => void;
  deadline?: TimerHandle;
}

export interface PollParkingOptions {
  queue: WorkQueue;
  clock: Clock;
  timers: Timers;
  sources: PollSources;
  timerPriority?: Priority;
}

export class PollParking {
  private readonly parked = new Map<string, Parked>();
  /** Polls skipped by keys no longer parked: grid points passed while parked. */
  private skipped = 0;

  constructor(private readonly o: PollParkingOptions) {}

  /** Polls skipped so far, counting the keys parked now (for reports; nothing decides on it). */
  skippedPolls(): number {
    const now = this.o.clock.now();
    let n = this.skipped;
    for (const p of this.parked.values()) n += pointsPassed(p, now);
    return n;
  }

  /** Keys parked now. */
  get size(): number {
    return this.parked.size;
  }

  /** Taken when a reconcile starts, to tell whether its source changed while it ran. */
  stamp(): number {
    return this.o.sources.stamp();
  }

  /**
   * An idle poll of `key` finished and asks to look again after `periodMs`. Parks it and returns
   * true; returns false when the caller must arm the timer as usual (a delayed add is already
   * pending, the source changed during the reconcile, or the deadline is already due).
   */
  park(key: string, periodMs: number, hint: PollHint, stamp: number): boolean {
    const now = this.o.clock.now();
    if (hint.source !== undefined && this.o.sources.changedSince(hint.source, stamp)) return this.giveUp(key);
    let p = this.parked.get(key);
    // The poll before a deadline runs for real, so the deadline's poll is armed by it exactly as
    // without parking (deadlines often fall on grid points: both count from the same second).
    if (hint.until !== undefined && this.nextPoint(p ?? { origin: now, periodMs }, hint.until, false) - periodMs <= now) return this.giveUp(key);
    if (p) {
      // A pending requeue keeps its time when a later reconcile asks for a later one (the queue's
      // earliest-wins rule), so the grid stays; only a shorter period would move it.
      if (this.nextPoint(p, now, true) > now + periodMs) return this.giveUp(key);
      this.disarm(p);
    } else {
      if (this.o.queue.hasDelayed(key)) return false;
      p = { origin: now, periodMs };
      this.parked.set(key, p);
    }
    if (hint.source !== undefined) p.cancelWatch = this.o.sources.watch(hint.source, () => this.wake(key));
    if (hint.until !== undefined) {
      const at = this.nextPoint(p, hint.until, false) - p.periodMs;
      p.deadline = this.o.timers.after(at - now, () => this.fire(key), { label: `poll deadline ${key}`, priority: this.o.timerPriority });
    }
    return true;
  }

  /**
   * The key was reconciled and did something (or asked for no poll): the requeue timer the grid
   * stands for would still be pending, so arm it for real at the grid's next point.
   */
  materialise(key: string): void {
    const p = this.parked.get(key);
    if (!p) return;
    const now = this.o.clock.now();
    this.unpark(key, p, now);
    this.o.queue.addAfter(key, this.nextPoint(p, now, true) - now);
  }

  /** Drops every parked key (the controller stops). */
  clear(): void {
    for (const p of this.parked.values()) this.disarm(p);
    this.parked.clear();
  }

  /** The polled source changed: the poll at the next grid point (now, if now is one) sees it. */
  private wake(key: string): void {
    const p = this.parked.get(key);
    if (!p) return;
    p.cancelWatch = undefined; // watches fire once
    const now = this.o.clock.now();
    const at = this.nextPoint(p, now, false);
    this.unpark(key, p, now);
    if (at === now) this.o.queue.add(key);
    else this.o.queue.addAfter(key, at - now);
  }

  /** The grid point before the deadline's: this poll runs, and arms the deadline's as usual. */
  private fire(key: string): void {
    const p = this.parked.get(key);
    if (!p) return;
    p.deadline = undefined;
    this.unpark(key, p, this.o.clock.now());
    this.o.queue.add(key);
  }

  private giveUp(key: string): false {
    this.materialise(key);
    return false;
  }

  private unpark(key: string, p: Parked, now: number): void {
    this.disarm(p);
    this.parked.delete(key);
    this.skipped += pointsPassed(p, now);
  }

  private disarm(p: Parked): void {
    p.cancelWatch?.();
    p.cancelWatch = undefined;
    if (p.deadline) this.o.timers.cancel(p.deadline);
    p.deadline = undefined;
  }

  /** The first grid point after `t` (strict) or at-or-after it, never the origin itself. */
  private nextPoint(p: Parked, t: number, strict: boolean): number {
    const steps = (t - p.origin) / p.periodMs;
    const k = strict ? Math.floor(steps) + 1 : Math.ceil(steps);
    return p.origin + Math.max(1, k) * p.periodMs;
  }
}

/** Grid points strictly between the origin and `now`: the polls skipped so far. */
function pointsPassed(p: Parked, now: number): number {
  return Math.max(0, Math.ceil((now - p.origin) / p.periodMs) - 1);
}
