// One reconciler at work: its queue, how many reconciles it runs at once, and what a reconcile's
// outcome does to the queue (controller-runtime's reconcileHandler): success forgets the key's
// failures; requeueAfterMs adds it back after that long; an error adds it back after the key's
// exponential backoff. Both managers use this; they differ only in `dispatch`, which starts one
// unit of work: a NORMAL event on the Simulation, or a plain call on the wall clock.

import { ApiError } from './api-error.js';
import type { Timers, Priority } from '../../sim/core/simulation.js';
import { CallCounter, countingClient, countingRecorder } from './counting-client.js';
import { objectKey } from './kube-object.js';
import { PollParking } from './poll-parking.js';
import type { PollSources } from './poll-sources.js';
import type { Logger, ReconcileContext, Reconciler, Request, Result } from './reconciler.js';
import { WorkQueue } from './work-queue.js';

/** namespace/name, or name for cluster-scoped objects. */
export function requestKey(req: Request): string {
  return objectKey(req.namespace || undefined, req.name);
}

export function parseRequestKey(key: string): Request {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * A reconciler threw something that is not an ApiError: a bug, not a cluster condition. The
 * managers keep these for the caller (and in fail-fast mode throw them, which stops a simulation
 * naming the controller and the object).
 */
export class ReconcileError extends Error {
  override readonly name = 'ReconcileError';
  constructor(
    readonly controller: string,
    /** The request being reconciled, or undefined for a failure mapping a watch event. */
    readonly request: Request | undefined,
    cause: unknown,
    readonly phase: 'reconcile' | 'map' = 'reconcile',
  ) {
    const what = request ? requestKey(request) : 'a watch event';
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`controller "${controller}" failed ${phase === 'map' ? 'mapping' : 'reconciling'} ${what}: ${detail}`, { cause });
  }
}

/** What one reconcile did, for traces. */
export interface ReconcileOutcome {
  controller: string;
  request: Request;
  result?: Result;
  error?: unknown;
  /** Backoff before the retry of a failed reconcile. */
  retryInMs?: number;
}

export interface ControllerOptions {
  reconciler: Reconciler;
  /** Context shared by every reconcile; `log` is narrowed to the request per reconcile. */
  ctx: ReconcileContext;
  timers: Timers;
  /** Starts one unit of work: `run` takes a key from the queue when it runs. */
  dispatch: (run: () => Promise<void>, label: string) => void;
  logger: Logger;
  queueTimerPriority?: Priority;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** After each reconcile. */
  onOutcome?: (o: ReconcileOutcome) => void;
  /** A reconciler threw a non-ApiError. Throwing from here propagates out of the dispatched work. */
  onProgrammingError?: (e: ReconcileError) => void;
  /** Change notification for polled state: idle polls are parked, not re-run (poll-parking.ts). */
  pollSources?: PollSources;
}

export class Controller {
  readonly name: string;
  readonly reconciler: Reconciler;
  readonly queue: WorkQueue;
  /** Reconciles run over this controller's life. */
  reconciles = 0;
  private readonly max: number;
  private readonly log: Logger;
  /** Dispatched units that have not yet taken a key. */
  private scheduled = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Every informer the controller reads has synced. */
  private ready = false;
  /** The manager lets it run (started, and leader when leader election is on). */
  private enabled = false;
  private stopped = false;
  /** Idle polls parked until something could change their answer (only with pollSources). */
  readonly parking: PollParking | undefined;
  private readonly calls = new CallCounter();
  private readonly ctx: ReconcileContext;

  constructor(private readonly opts: ControllerOptions) {
    const r = opts.reconciler;
    this.reconciler = r;
    this.name = r.name;
    this.max = r.maxConcurrentReconciles ?? 1;
    if (!(Number.isInteger(this.max) && this.max >= 1)) throw new RangeError(`controller "${r.name}": maxConcurrentReconciles must be an integer >= 1, got ${this.max}`);
    this.log = opts.logger;
    this.queue = new WorkQueue({
      timers: opts.timers,
      name: r.name,
      baseDelayMs: opts.baseDelayMs,
      maxDelayMs: opts.maxDelayMs,
      timerPriority: opts.queueTimerPriority,
      onReady: () => this.pump(),
    });
    this.ctx = opts.ctx;
    if (opts.pollSources) {
      this.parking = new PollParking({ queue: this.queue, clock: opts.ctx.clock, timers: opts.timers, sources: opts.pollSources, timerPriority: opts.queueTimerPriority });
      this.ctx = { ...opts.ctx, client: countingClient(opts.ctx.client, this.calls), recorder: countingRecorder(opts.ctx.recorder, this.calls) };
    }
  }

  enqueue(req: Request): void {
    this.queue.add(requestKey(req));
  }

  setReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.pump();
  }

  get isReady(): boolean {
    return this.ready;
  }

  setEnabled(on: boolean): void {
    this.enabled = on;
    if (on) this.pump();
  }

  get running(): number {
    return this.inFlight.size;
  }

  /** Resolves when no reconcile is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Takes no more work and drops the queue; reconciles in flight finish but their outcomes are ignored. */
  stop(): void {
    this.stopped = true;
    this.enabled = false;
    this.queue.shutDown();
    this.parking?.clear();
  }

  /** Starts as many units of work as the queue and the concurrency limit allow. */
  private pump(): void {
    while (!this.stopped && this.enabled && this.ready && this.inFlight.size + this.scheduled < this.max && this.queue.length > this.scheduled) {
      this.scheduled++;
      this.opts.dispatch(() => this.runOne(), `reconcile ${this.name}`);
    }
  }

  private async runOne(): Promise<void> {
    this.scheduled--;
    if (this.stopped || !this.enabled) return;
    const key = this.queue.get();
    if (key === undefined) return;
    const p = this.process(key);
    this.inFlight.add(p);
    try {
      await p;
    } finally {
      this.inFlight.delete(p);
      this.pump();
    }
  }

  private async process(key: string): Promise<void> {
    const req = parseRequestKey(key);
    const r = this.reconciler;
    this.reconciles++;
    const ctx: ReconcileContext = { ...this.ctx, log: this.ctx.log.child(req.namespace ? { namespace: req.namespace, name: req.name } : { name: req.name }) };
    const parking = this.parking;
    const stamp = parking?.stamp() ?? 0;
    const callsBefore = this.calls.calls;
    let result: Result | undefined;
    let error: unknown;
    let failed = false;
    try {
      result = (await r.reconcile(req, ctx)) ?? {};
    } catch (err) {
      failed = true;
      error = err;
    }
    // Stopped meanwhile (manager stop or simulated crash): this reconcile's outcome belongs to a
    // queue that no longer exists.
    if (this.stopped) return;
    const q = this.queue;
    try {
      if (failed) {
        parking?.materialise(key);
        const retryInMs = q.addRateLimited(key);
        const outcome: ReconcileOutcome = { controller: this.name, request: req, error, retryInMs };
        if (error instanceof ApiError) {
          this.log.warn('reconcile failed', { ...reqFields(req), code: error.code, reason: error.reason, error: error.message, retryInMs });
          this.opts.onOutcome?.(outcome);
        } else {
          const e = new ReconcileError(this.name, req, error);
          this.log.error('reconcile threw', { ...reqFields(req), error: e.message, stack: error instanceof Error ? error.stack : undefined, retryInMs });
          this.opts.onOutcome?.(outcome);
          this.opts.onProgrammingError?.(e);
        }
        return;
      }
      const after = result!.requeueAfterMs;
      q.forget(key);
      const valid = after !== undefined && Number.isFinite(after) && after > 0;
      // An idle poll (no API call at all, so nothing acted on and no unwatched state read) parks.
      const parked = valid && parking !== undefined && result!.poll !== undefined && this.calls.calls === callsBefore && parking.park(key, after, result!.poll, stamp);
      if (!parked) {
        parking?.materialise(key);
        if (valid) q.addAfter(key, after);
        else if (after !== undefined && after !== 0) this.log.warn('ignoring an invalid requeueAfterMs', { ...reqFields(req), requeueAfterMs: after });
      }
      this.opts.onOutcome?.({ controller: this.name, request: req, result: result! });
    } finally {
      q.done(key);
    }
  }
}

function reqFields(req: Request): Record<string, unknown> {
  return req.namespace ? { namespace: req.namespace, name: req.name } : { name: req.name };
}
