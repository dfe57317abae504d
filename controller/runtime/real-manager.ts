// Runs reconcilers against a real API server: the same informers, queues and controllers as the
// simulation manager, on the wall clock, with reconciles of different keys running concurrently
// (up to each reconciler's maxConcurrentReconciles), a periodic resync, optional leader election
// through a Lease (only the leader reconciles; informers run on every candidate so a new leader
// starts with a warm cache), and a graceful stop. Time comes through Clock and Timers, defaulting
// to the wall clock, so the manager can also be driven by a Simulation.

import { randomUUID } from 'node:crypto';
import type { Clock, Rng } from '../../sim/core/clock.js';
import { createRng } from '../../sim/core/rng.js';
import type { TimerHandle, Timers } from '../../sim/core/simulation.js';
import type { InformerCache } from './cache.js';
import type { Controller, ReconcileError } from './controller.js';
import { KubeEventRecorder } from './event-recorder.js';
import type { KubeClient, ResourceId } from './kube-client.js';
import { LeaderElector, type LeaderElectionConfig } from './leader-election.js';
import { silentLogger } from './logger.js';
import { ManagerCore } from './manager-core.js';
import type { EventRecorder, Logger, Manager, Reconciler } from './reconciler.js';
import { wallClock, WallTimers } from './wall-timers.js';

/** controller-runtime's default SyncPeriod is 10 hours; KubeRay's operator uses minutes. */
export const DEFAULT_RESYNC_MS = 10 * 60_000;

export interface RealManagerOptions {
  clock?: Clock;
  /** Default: wall-clock timers (their failures are logged). */
  timers?: Timers;
  /** Default: seeded from a random UUID (real runs need not repeat). */
  rng?: Rng;
  logger?: Logger;
  leaderElection?: LeaderElectionConfig;
  /** Re-enqueue every primary object this often (default 10 min; 0 disables). */
  resyncMs?: number;
  /** How long stop() waits for reconciles in flight (default 30 s). */
  shutdownTimeoutMs?: number;
  /** How long start() waits for the informers' first lists (default 60 s). */
  syncTimeoutMs?: number;
  recorder?: (controller: string) => EventRecorder;
  cacheKinds?: ResourceId[];
  /** Watch only this namespace (see ManagerCoreOptions.namespace). */
  namespace?: string;
  onProgrammingError?: 'record' | 'throw';
  informerBackoffInitialMs?: number;
  informerBackoffMaxMs?: number;
}

export interface SignalHandlerOptions {
  /** Exit the process after a graceful stop (default true); a second signal exits at once. */
  exit?: boolean;
  signals?: NodeJS.Signals[];
}

export class RealManager implements Manager {
  readonly clock: Clock;
  readonly timers: Timers;
  private readonly core: ManagerCore;
  private readonly log: Logger;
  private readonly elector: LeaderElector | undefined;
  private readonly resyncMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly syncTimeoutMs: number;
  private resyncTimer: TimerHandle | undefined;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopping: Promise<void> | undefined;

  constructor(
    readonly client: KubeClient,
    opts: RealManagerOptions = {},
  ) {
    this.log = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? wallClock;
    this.timers = opts.timers ?? new WallTimers((label, err) => this.log.error('timer failed', { timer: label, error: err }));
    this.resyncMs = opts.resyncMs ?? DEFAULT_RESYNC_MS;
    this.shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 30_000;
    this.syncTimeoutMs = opts.syncTimeoutMs ?? 60_000;
    const clock = this.clock;
    const recorderFor =
      opts.recorder ??
      ((name: string) => new KubeEventRecorder(client, { component: `${name}-controller`, host: opts.leaderElection?.identity, clock, logger: this.log }));
    this.core = new ManagerCore({
      client,
      clock,
      timers: this.timers,
      rng: opts.rng ?? createRng(randomUUID()),
      logger: this.log,
      dispatch: (run, label) => {
        run().catch((err: unknown) => this.log.error('reconcile worker failed', { worker: label, error: err }));
      },
      recorderFor,
      cacheKinds: opts.cacheKinds,
      namespace: opts.namespace,
      informerBackoffInitialMs: opts.informerBackoffInitialMs,
      informerBackoffMaxMs: opts.informerBackoffMaxMs,
      onProgrammingError: opts.onProgrammingError,
    });
    if (opts.leaderElection) {
      this.elector = new LeaderElector(client, opts.leaderElection, {
        clock,
        timers: this.timers,
        logger: this.log,
        onStartedLeading: () => this.core.setEnabled(this.state === 'running'),
        onStoppedLeading: () => this.core.setEnabled(false),
      });
    }
  }

  get cache(): InformerCache {
    return this.core.cache;
  }

  get programmingErrors(): readonly ReconcileError[] {
    return this.core.programmingErrors;
  }

  get controllers(): readonly Controller[] {
    return this.core.controllers;
  }

  /** True when this manager may reconcile: it leads, or leader election is off. */
  isLeader(): boolean {
    return this.state === 'running' && (this.elector ? this.elector.isLeader() : true);
  }

  get leaderElector(): LeaderElector | undefined {
    return this.elector;
  }

  add(r: Reconciler): void {
    this.core.add(r);
  }

  /** Starts informers and waits (up to syncTimeoutMs) for their first lists, then leader election
   * or, without it, the controllers. Informers keep retrying if the wait times out. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`RealManager: start in state ${this.state}`);
    this.state = 'running';
    this.core.build();
    await Promise.all(this.core.informers.map((i) => i.start()));
    await this.waitForSync();
    if (this.state !== 'running') return;
    if (this.elector) this.elector.start();
    else this.core.setEnabled(true);
    this.scheduleResync();
    this.log.info('manager started', { controllers: this.core.names, leaderElection: !!this.elector });
  }

  /**
   * Stops taking work, waits up to shutdownTimeoutMs for reconciles in flight, releases the
   * Lease (after the work, so a successor never overlaps), then stops informers.
   */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    if (this.resyncTimer) this.timers.cancel(this.resyncTimer);
    this.resyncTimer = undefined;
    this.core.setEnabled(false);
    const drained = await this.bounded(this.core.idle(), this.shutdownTimeoutMs);
    if (!drained) this.log.warn('stop: reconciles still running after the shutdown timeout', { timeoutMs: this.shutdownTimeoutMs });
    await this.elector?.stop();
    this.core.teardown();
    this.state = 'stopped';
    this.log.info('manager stopped');
  }

  /**
   * On SIGTERM/SIGINT: stop gracefully, then exit (unless told not to); a second signal exits
   * at once with status 1. Returns a function that removes the handlers.
   */
  installSignalHandlers(opts: SignalHandlerOptions = {}): () => void {
    const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
    const exit = opts.exit ?? true;
    let received = false;
    const handler = (sig: NodeJS.Signals): void => {
      if (received) {
        this.log.warn('second signal: exiting now', { signal: sig });
        process.exit(1);
      }
      received = true;
      this.log.info('signal received: stopping', { signal: sig });
      this.stop().then(
        () => {
          if (exit) process.exit(0);
        },
        (err: unknown) => {
          this.log.error('stop failed', { error: err });
          if (exit) process.exit(1);
        },
      );
    };
    for (const s of signals) process.on(s, handler);
    return () => {
      for (const s of signals) process.off(s, handler);
    };
  }

  private async waitForSync(): Promise<void> {
    let gaveUp = false;
    const synced = new Promise<void>((resolve) => {
      const check = (): void => {
        if (gaveUp || this.state !== 'running' || this.core.cache.hasSynced()) resolve();
        else this.timers.after(20, check, { label: 'manager sync wait' });
      };
      check();
    });
    if (!(await this.bounded(synced, this.syncTimeoutMs))) {
      gaveUp = true;
      const pending = this.core.informers.filter((i) => !i.hasSynced()).map((i) => `${i.id.apiVersion}/${i.id.kind}`);
      throw new Error(`RealManager: informers not synced after ${this.syncTimeoutMs} ms: ${pending.join(', ')}`);
    }
  }

  private scheduleResync(): void {
    if (!(this.resyncMs > 0)) return;
    this.resyncTimer = this.timers.after(
      this.resyncMs,
      () => {
        if (this.state !== 'running') return;
        if (this.isLeader()) this.core.resync();
        this.scheduleResync();
      },
      { label: 'manager resync' },
    );
  }

  /** Resolves true if `p` settles within ms, false otherwise. */
  private bounded(p: Promise<unknown>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = this.timers.after(ms, () => resolve(false), { label: 'manager bounded wait' });
      p.then(
        () => {
          this.timers.cancel(t);
          resolve(true);
        },
        () => {
          this.timers.cancel(t);
          resolve(true);
        },
      );
    });
  }
}
