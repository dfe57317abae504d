import type { Clock } from './clock.js';
import { EventHeap, type HeapEntry } from './heap.js';

/** At equal virtual time: watch deliveries (urgent) before reconciles (normal) before housekeeping (low). */
export type Priority = 'urgent' | 'normal' | 'low';

/** Priorities in the order they run at equal time. */
export const PRIORITIES: readonly Priority[] = ['urgent', 'normal', 'low'];

/** Heap rank of each priority; smaller runs first. */
export const PRIORITY_ORDER: Readonly<Record<Priority, number>> = { urgent: 0, normal: 1, low: 2 };

/** Date.UTC(2026, 0, 1), written out so the default is visibly a constant, not a clock read. */
export const DEFAULT_START_TIME = 1_767_225_600_000;

/** Returning a promise makes the loop wait for it before running the next event. */
export type EventCallback = () => void | PromiseLike<unknown>;

export interface TimerOptions {
  /** Names the callback in errors and debugging; defaults to the function's name. */
  label?: string;
  priority?: Priority;
}

export interface TimerHandle {
  readonly id: number;
  /** Absolute virtual time (epoch ms) the callback is due. */
  readonly time: number;
  readonly label: string;
}

/** The timer surface controllers depend on, so they run the same on a virtual or a wall clock. */
export interface Timers {
  after(delayMs: number, fn: EventCallback, opts?: TimerOptions): TimerHandle;
  cancel(handle: TimerHandle): boolean;
}

export interface SimulationOptions {
  /** Epoch ms at which virtual time starts. */
  startTime?: number;
  /** Count events run per label, and the wall time they take (see labelCounts()), to find what a
   * long run spends its events and time on. The wall clock is read for this report only. */
  countLabels?: boolean;
}

export interface RunOptions {
  /** Absolute epoch ms. Events due at exactly `until` still run. */
  until?: number;
  /** Stop after this many events in this call. */
  maxEvents?: number;
}

export interface RunResult {
  eventsRun: number;
  /** 'empty': nothing is pending; 'until': the next event is after `until`; 'maxEvents': the budget ran out. */
  stoppedBy: 'empty' | 'until' | 'maxEvents';
  now: number;
}

/** A callback threw or rejected. The run stopped; `cause` is the original error. */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
  constructor(
    readonly label: string,
    /** Epoch ms of the failing event. */
    readonly time: number,
    /** Ms since simulation start of the failing event. */
    readonly elapsed: number,
    cause: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`event "${label}" failed at t=${elapsed}ms (${new Date(time).toISOString()}): ${detail}`, { cause });
  }
}

// The handle returned to callers is the heap entry itself: one allocation per timer, and cancel
// finds the entry without a lookup table.
class Timer implements TimerHandle, HeapEntry {
  id = -1;
  seq = 0;
  heapIndex = -1;
  constructor(
    readonly time: number,
    readonly priority: number,
    readonly label: string,
    readonly fn: EventCallback,
  ) {}
}

export class Simulation implements Clock, Timers {
  readonly startTime: number;
  private time: number;
  private readonly heap = new EventHeap<Timer>();
  private executed = 0;
  // Two loops interleaving over one heap (e.g. a callback calling run()) would break the
  // one-event-at-a-time contract, so re-entry is refused.
  private busy = false;
  // Async callbacks ("processes") in flight, and how many of them are asleep in sleep(). The loop
  // moves on only when every process in flight is asleep, so one that waits on virtual time
  // (injected API latency, a think time) lets the clock advance, while one that is merely
  // awaiting in-memory promises is always finished before the next event.
  private tracked = 0;
  private sleeping = 0;
  private inCallback = false;
  private wake: (() => void) | undefined;
  private failure: SimulationError | undefined;
  private readonly counts: Map<string, { n: number; ms: number }> | undefined;

  constructor(opts: SimulationOptions = {}) {
    const start = opts.startTime ?? DEFAULT_START_TIME;
    if (!Number.isFinite(start)) throw new RangeError(`Simulation: startTime must be a finite number, got ${start}`);
    this.startTime = start;
    this.time = start;
    if (opts.countLabels) this.counts = new Map();
  }

  /** Events run per label and the wall ms they took in run() (including the processes they
   * started), most frequent first; empty unless constructed with countLabels. */
  labelCounts(): Array<[label: string, count: number, wallMs: number]> {
    return [...(this.counts ?? [])].map(([l, c]): [string, number, number] => [l, c.n, c.ms]).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  now(): number {
    return this.time;
  }

  elapsed(): number {
    return this.time - this.startTime;
  }

  /** Events scheduled and not yet run or cancelled. */
  pending(): number {
    return this.heap.size;
  }

  /** Events run over the simulation's lifetime. */
  get eventsRun(): number {
    return this.executed;
  }

  /** Due time of the next event, if any. */
  nextTime(): number | undefined {
    return this.heap.peek()?.time;
  }

  after(delayMs: number, fn: EventCallback, opts?: TimerOptions): TimerHandle {
    if (typeof delayMs !== 'number' || !(delayMs >= 0) || delayMs === Infinity) {
      throw new RangeError(`Simulation.after: delay must be a finite number >= 0, got ${delayMs}`);
    }
    return this.schedule(this.time + delayMs, fn, opts);
  }

  at(timeMs: number, fn: EventCallback, opts?: TimerOptions): TimerHandle {
    if (typeof timeMs !== 'number' || !Number.isFinite(timeMs)) {
      throw new RangeError(`Simulation.at: time must be a finite number, got ${timeMs}`);
    }
    if (timeMs < this.time) {
      throw new RangeError(`Simulation.at: time ${timeMs} is before now (${this.time})`);
    }
    return this.schedule(timeMs, fn, opts);
  }

  /** Returns true if the timer was pending (and now will not run). */
  cancel(handle: TimerHandle): boolean {
    return handle instanceof Timer && this.heap.remove(handle);
  }

  /** Runs the next event, advancing the clock to it. Returns false if nothing was pending. */
  async step(): Promise<boolean> {
    this.enter('step');
    try {
      const timer = this.heap.pop();
      if (timer === undefined) return false;
      const r = this.fire(timer);
      if (r !== undefined) this.track(r, timer);
      if (this.tracked > this.sleeping) await this.quiesce();
      return true;
    } finally {
      this.busy = false;
    }
  }

  /** Runs every event due at the current time, including ones those events schedule for now.
   * Returns how many ran. The clock does not move. */
  async settle(): Promise<number> {
    this.enter('settle');
    let n = 0;
    try {
      const heap = this.heap;
      for (let next = heap.peek(); next !== undefined && next.time <= this.time; next = heap.peek()) {
        heap.pop();
        n++;
        const r = this.fire(next);
        if (r !== undefined) this.track(r, next);
        if (this.tracked > this.sleeping) await this.quiesce();
      }
      return n;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Runs events in (time, priority, insertion) order. With `until`, the clock ends exactly at
   * `until` unless `maxEvents` stopped it first; `stoppedBy` then says whether anything is left
   * ('until') or not ('empty').
   */
  async run(opts: RunOptions = {}): Promise<RunResult> {
    const { until, maxEvents } = opts;
    if (until !== undefined && (typeof until !== 'number' || !Number.isFinite(until) || until < this.time)) {
      throw new RangeError(`Simulation.run: until must be a finite time >= now (${this.time}), got ${until}`);
    }
    if (maxEvents !== undefined && !(Number.isInteger(maxEvents) && maxEvents >= 0)) {
      throw new RangeError(`Simulation.run: maxEvents must be a non-negative integer, got ${maxEvents}`);
    }
    this.enter('run');
    const limit = until ?? Infinity;
    const budget = maxEvents ?? Infinity;
    const heap = this.heap;
    let n = 0;
    let stoppedBy: RunResult['stoppedBy'];
    try {
      for (;;) {
        const next = heap.peek();
        if (next === undefined) {
          stoppedBy = 'empty';
          break;
        }
        if (next.time > limit) {
          stoppedBy = 'until';
          break;
        }
        if (n >= budget) {
          stoppedBy = 'maxEvents';
          break;
        }
        heap.pop();
        n++;
        const t0 = this.counts ? performance.now() : 0;
        const r = this.fire(next);
        // Waiting only when a process is running keeps synchronous callbacks in a tight loop
        // with no microtask hop per event.
        if (r !== undefined) this.track(r, next);
        if (this.tracked > this.sleeping) await this.quiesce();
        if (this.counts) this.counts.get(next.label)!.ms += performance.now() - t0;
      }
      if (until !== undefined && stoppedBy !== 'maxEvents') this.time = until;
      return { eventsRun: n, stoppedBy, now: this.time };
    } finally {
      this.busy = false;
    }
  }

  private schedule(time: number, fn: EventCallback, opts: TimerOptions | undefined): TimerHandle {
    if (typeof fn !== 'function') throw new TypeError('Simulation: callback must be a function');
    let priority = PRIORITY_ORDER.normal;
    if (opts?.priority !== undefined) {
      const p = PRIORITY_ORDER[opts.priority];
      if (p === undefined) {
        throw new RangeError(`Simulation: unknown priority "${opts.priority}" (known: ${PRIORITIES.join(', ')})`);
      }
      priority = p;
    }
    const timer = new Timer(time, priority, opts?.label ?? (fn.name || 'anonymous'), fn);
    timer.id = this.heap.push(timer);
    return timer;
  }

  private enter(what: string): void {
    if (this.busy) throw new Error(`Simulation.${what}: the simulation is already running (re-entrant call from a callback?)`);
    this.busy = true;
  }

  /** Runs a popped timer; returns its result only when it is thenable. */
  private fire(timer: Timer): PromiseLike<unknown> | undefined {
    this.time = timer.time;
    this.executed++;
    if (this.counts) {
      const c = this.counts.get(timer.label);
      if (c) c.n++;
      else this.counts.set(timer.label, { n: 1, ms: 0 });
    }
    let r: unknown;
    this.inCallback = true;
    try {
      r = timer.fn();
    } catch (err) {
      throw this.wrap(err, timer);
    } finally {
      this.inCallback = false;
    }
    if (r !== null && (typeof r === 'object' || typeof r === 'function') && typeof (r as PromiseLike<unknown>).then === 'function') {
      return r as PromiseLike<unknown>;
    }
    return undefined;
  }

  /**
   * Suspends the calling process for `delayMs` of virtual time. Only a process the simulation is
   * running (an async callback, or code it awaits) may sleep: the loop advances the clock while
   * every process is asleep or done, and the sleeper resumes at its wake-up event.
   */
  sleep(delayMs: number, label = 'sleep'): Promise<void> {
    if (!this.inCallback && this.tracked <= this.sleeping) throw new Error('Simulation.sleep: only an async callback the simulation is running may sleep');
    return new Promise<void>((resolve) => {
      this.after(
        delayMs,
        () => {
          this.sleeping--;
          resolve();
        },
        { label },
      );
      this.sleeping++;
      this.notify();
    });
  }

  /** Whether sleep() may be called now: inside a callback, or while a process is running. */
  canSleep(): boolean {
    return this.inCallback || this.tracked > this.sleeping;
  }

  private track(r: PromiseLike<unknown>, timer: Timer): void {
    this.tracked++;
    r.then(
      () => {
        this.tracked--;
        this.notify();
      },
      (err: unknown) => {
        this.tracked--;
        this.failure ??= this.wrap(err, timer);
        this.notify();
      },
    );
  }

  private notify(): void {
    const w = this.wake;
    if (w && (this.tracked <= this.sleeping || this.failure)) {
      this.wake = undefined;
      w();
    }
  }

  /** Waits until every process is finished or asleep; rethrows the first failure. */
  private async quiesce(): Promise<void> {
    while (this.tracked > this.sleeping && !this.failure) await new Promise<void>((resolve) => (this.wake = resolve));
    const f = this.failure;
    if (f) {
      this.failure = undefined;
      throw f;
    }
  }

  private wrap(err: unknown, timer: Timer): SimulationError {
    return new SimulationError(timer.label, timer.time, timer.time - this.startTime, err);
  }
}
