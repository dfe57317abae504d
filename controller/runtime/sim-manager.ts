// Runs reconcilers inside a Simulation (ARCHITECTURE.md, "How the simulation drives
// controllers"): informers list and watch as URGENT events, a watch event enqueues a request,
// and each reconcile is a NORMAL event that the loop awaits before running the next, so at any
// instant API bookkeeping settles before controllers act, and the same seed replays the same
// run. Requeues, backoffs and informer retries are timers on the heap.

import type { Rng } from '../../sim/core/clock.js';
import type { Simulation } from '../../sim/core/simulation.js';
import type { TraceWriter } from '../../sim/core/trace.js';
import { ApiError } from './api-error.js';
import type { InformerCache } from './cache.js';
import type { Controller, ReconcileError, ReconcileOutcome } from './controller.js';
import { KubeEventRecorder } from './event-recorder.js';
import type { Informer } from './informer.js';
import type { KubeClient, ResourceId } from './kube-client.js';
import { silentLogger } from './logger.js';
import { ManagerCore } from './manager-core.js';
import type { PollSources } from './poll-sources.js';
import type { EventRecorder, Logger, Manager, Reconciler } from './reconciler.js';

export interface SimManagerOptions {
  rng: Rng;
  logger?: Logger;
  /** Receives a 'reconcile' record per reconcile and a 'manager.restart' record per restart. */
  traceWriter?: TraceWriter;
  /** Event recorder per controller (default: core/v1 Events through the client, component "<name>-controller"). */
  recorder?: (controller: string) => EventRecorder;
  /** Kinds cached for reads although no reconciler watches them. */
  cacheKinds?: ResourceId[];
  /**
   * A reconciler threw something other than an ApiError. 'record' (default): log it, keep it in
   * `programmingErrors`, back the key off and carry on. 'throw': also stop the run (the
   * Simulation rejects with a SimulationError whose cause names the controller and the object).
   */
  onProgrammingError?: 'record' | 'throw';
  informerBackoffInitialMs?: number;
  informerBackoffMaxMs?: number;
  /**
   * Change notification for state reconcilers poll (the simulated Ray runtime's): a poll that
   * made no API call and says what it polls is parked until its answer can change, instead of
   * re-running every few seconds (poll-parking.ts). Omitted: every poll runs.
   */
  pollSources?: PollSources;
}

export interface RestartOptions {
  /** Virtual ms between the crash and the new start (default 0). */
  downtimeMs?: number;
}

export class SimManager implements Manager {
  private readonly core: ManagerCore;
  private readonly log: Logger;
  private readonly trace: TraceWriter | undefined;
  private restarts = 0;
  private stopped = false;
  /** Polls skipped by earlier generations (before restarts). */
  private skippedBefore = 0;

  constructor(
    readonly sim: Simulation,
    readonly client: KubeClient,
    opts: SimManagerOptions,
  ) {
    this.log = opts.logger ?? silentLogger;
    this.trace = opts.traceWriter;
    const recorderFor =
      opts.recorder ?? ((name: string) => new KubeEventRecorder(client, { component: `${name}-controller`, clock: sim, logger: this.log }));
    this.core = new ManagerCore({
      client,
      clock: sim,
      timers: sim,
      rng: opts.rng,
      logger: this.log,
      // Reconciles are NORMAL events: at one instant, after the watch deliveries (URGENT) that
      // enqueued them. The loop awaits the returned promise, so they run one at a time.
      dispatch: (run, label) => void sim.after(0, run, { priority: 'normal', label }),
      timerPriority: 'urgent',
      recorderFor,
      cacheKinds: opts.cacheKinds,
      informerBackoffInitialMs: opts.informerBackoffInitialMs,
      informerBackoffMaxMs: opts.informerBackoffMaxMs,
      onOutcome: this.trace ? (o) => this.traceOutcome(o) : undefined,
      onProgrammingError: opts.onProgrammingError,
      pollSources: opts.pollSources,
    });
  }

  get cache(): InformerCache {
    return this.core.cache;
  }

  /** Non-ApiError exceptions thrown by reconcilers (and watch mappings), oldest first. */
  get programmingErrors(): readonly ReconcileError[] {
    return this.core.programmingErrors;
  }

  get controllers(): readonly Controller[] {
    return this.core.controllers;
  }

  get informers(): readonly Informer[] {
    return this.core.informers;
  }

  controller(name: string): Controller | undefined {
    return this.core.controller(name);
  }

  /** Polls parked instead of run, over every controller and restart. */
  get pollsSkipped(): number {
    return this.skippedBefore + this.skippedNow();
  }

  private skippedNow(): number {
    return this.core.controllers.reduce((n, c) => n + (c.parking?.skippedPolls() ?? 0), 0);
  }

  /** Restarts so far. */
  get restartCount(): number {
    return this.restarts;
  }

  add(r: Reconciler): void {
    this.core.add(r);
  }

  /** Schedules the informers' list+watch as events at the current instant; `sim.run()` does the rest. */
  async start(): Promise<void> {
    if (this.stopped) throw new Error('SimManager: stopped managers cannot be started again');
    this.launch();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.skippedBefore += this.skippedNow();
    this.core.teardown();
  }

  /**
   * A controller crash: every cache, queue, pending requeue and backoff is dropped now; after
   * `downtimeMs` the manager starts again from the API (list + watch), as a restarted pod would.
   */
  restart(opts: RestartOptions = {}): void {
    if (this.stopped) throw new Error('SimManager: cannot restart a stopped manager');
    if (!this.core.started) throw new Error('SimManager: restart before start');
    const downtime = opts.downtimeMs ?? 0;
    this.skippedBefore += this.skippedNow();
    this.core.teardown();
    this.restarts++;
    this.log.info('manager restarting', { restart: this.restarts, downtimeMs: downtime });
    this.trace?.emit({ t: this.sim.elapsed(), type: 'manager.restart', actor: 'manager', data: { restart: this.restarts, downtimeMs: downtime } });
    this.sim.after(
      downtime,
      () => {
        if (!this.stopped && !this.core.started) this.launch();
      },
      { priority: 'urgent', label: 'manager restart' },
    );
  }

  private launch(): void {
    this.core.build();
    this.core.setEnabled(true);
    for (const inf of this.core.informers) {
      this.sim.after(0, () => inf.start(), { priority: 'urgent', label: `informer ${inf.id.kind} start` });
    }
  }

  private traceOutcome(o: ReconcileOutcome): void {
    const kind = this.core.controller(o.controller)?.reconciler.for.kind ?? '';
    const ref = o.request.namespace ? { kind, namespace: o.request.namespace, name: o.request.name } : { kind, name: o.request.name };
    const data: Record<string, unknown> =
      o.error === undefined && o.retryInMs === undefined
        ? { result: o.result ?? {} }
        : { result: null, error: errorText(o.error), retryInMs: o.retryInMs };
    this.trace!.emit({ t: this.sim.elapsed(), type: 'reconcile', actor: o.controller, ref, data });
  }
}

function errorText(err: unknown): string {
  if (err instanceof ApiError) return `${err.reason}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
