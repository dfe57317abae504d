// Leader election through a coordination.k8s.io/v1 Lease, after client-go's leaderelection
// package: every candidate tries to acquire or renew the Lease each retryPeriod, writing with the
// resourceVersion it read (so of two racing writers exactly one wins, the other gets 409). A
// Lease held by someone else counts as expired leaseDuration after this candidate last saw it
// change, measured on this candidate's own clock (never comparing clocks across machines, as
// client-go does). A leader that cannot renew for renewDeadline steps down. A leader that stops
// releases the Lease, so a successor takes over at its next retry rather than after expiry.
//
// One difference from client-go: expiry uses this candidate's configured leaseDurationMs rather
// than the Lease's leaseDurationSeconds, which holds whole seconds and so cannot express the
// sub-second durations tests use; candidates of one deployment share their configuration.

import type { Clock } from '../../sim/core/clock.js';
import type { TimerHandle, Timers } from '../../sim/core/simulation.js';
import { isApiError } from './api-error.js';
import type { KubeClient, ResourceId } from './kube-client.js';
import type { KubeObject } from './kube-object.js';
import { silentLogger } from './logger.js';
import type { Logger } from './reconciler.js';

export const LEASE: ResourceId = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };

export interface LeaderElectionConfig {
  namespace: string;
  /** The Lease's name. */
  name: string;
  /** This candidate, unique among candidates (pod name, hostname + uuid). */
  identity: string;
  /** How long a Lease holds without renewal (default 15 s). */
  leaseDurationMs?: number;
  /** How long a leader keeps trying to renew before it steps down (default 10 s). */
  renewDeadlineMs?: number;
  /** Time between attempts (default 2 s). */
  retryPeriodMs?: number;
  /** Release the Lease on stop so a successor need not wait for expiry (default true). */
  releaseOnStop?: boolean;
}

export interface LeaderElectorOptions {
  clock: Clock;
  timers: Timers;
  logger?: Logger;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  /** The observed holder changed (undefined: nobody holds it). */
  onNewLeader?: (identity: string | undefined) => void;
}

/** coordination.k8s.io/v1 LeaseSpec (controller/api/core-types.ts re-exports it). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** metav1.MicroTime (RFC 3339 with microseconds). */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export class LeaderElector {
  readonly config: Required<LeaderElectionConfig>;
  private leading = false;
  private running = false;
  private timer: TimerHandle | undefined;
  /** The Lease as last read or written, and when (our clock) it last changed. */
  private observed: Lease | undefined;
  private observedTime = 0;
  private lastRenew = 0;
  private holder: string | undefined;
  private attempt: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(
    private readonly client: KubeClient,
    config: LeaderElectionConfig,
    private readonly opts: LeaderElectorOptions,
  ) {
    this.config = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      releaseOnStop: true,
      ...config,
    };
    const c = this.config;
    if (!c.namespace || !c.name || !c.identity) throw new Error('leader election: namespace, name and identity are required');
    if (!(c.leaseDurationMs > c.renewDeadlineMs && c.renewDeadlineMs > c.retryPeriodMs && c.retryPeriodMs > 0)) {
      throw new RangeError(
        `leader election: need leaseDurationMs > renewDeadlineMs > retryPeriodMs > 0, got ${c.leaseDurationMs}, ${c.renewDeadlineMs}, ${c.retryPeriodMs}`,
      );
    }
    this.log = (opts.logger ?? silentLogger).child({ lease: `${c.namespace}/${c.name}`, identity: c.identity });
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder as last observed. */
  get leader(): string | undefined {
    return this.holder;
  }

  /** Starts trying to acquire the Lease now and every retryPeriod. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops trying; a leader steps down (onStoppedLeading) and, unless configured otherwise, releases the Lease. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) this.opts.timers.cancel(this.timer);
    this.timer = undefined;
    // An attempt in flight could still make us leader; let it land first.
    await this.attempt;
    this.setLeading(false);
    // Release whatever we hold, including a Lease that attempt acquired as we were stopping.
    if (this.config.releaseOnStop) await this.release();
  }

  private schedule(delayMs: number): void {
    this.timer = this.opts.timers.after(
      delayMs,
      () => {
        this.timer = undefined;
        const a = this.tick();
        this.attempt = a;
        return a;
      },
      { label: `leader-election ${this.config.identity}` },
    );
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (err) {
      this.log.warn('lease attempt failed', { error: err });
    }
    if (!this.running) return;
    const now = this.opts.clock.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leading) this.setLeading(true);
    } else if (this.leading && (this.holder !== this.config.identity || now - this.lastRenew >= this.config.renewDeadlineMs)) {
      this.log.warn('lost the lease', { holder: this.holder, sinceRenewMs: now - this.lastRenew });
      this.setLeading(false);
    }
    this.schedule(this.config.retryPeriodMs);
  }

  private setLeading(on: boolean): void {
    if (this.leading === on) return;
    this.leading = on;
    this.log.info(on ? 'became leader' : 'stopped leading');
    if (on) this.opts.onStartedLeading?.();
    else this.opts.onStoppedLeading?.();
  }

  private observe(lease: Lease): void {
    if (lease.metadata.resourceVersion !== this.observed?.metadata.resourceVersion) {
      this.observed = lease;
      this.observedTime = this.opts.clock.now();
    }
    const h = lease.spec?.holderIdentity || undefined;
    if (h !== this.holder) {
      this.holder = h;
      this.opts.onNewLeader?.(h);
    }
  }

  /** One attempt: true when this candidate holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const c = this.config;
    const now = this.opts.clock.now();
    const durationSeconds = Math.max(1, Math.ceil(c.leaseDurationMs / 1000));
    let lease: Lease;
    try {
      lease = await this.client.get<Lease>(LEASE, c.name, c.namespace);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
      try {
        const created = await this.client.create<Lease>({
          apiVersion: LEASE.apiVersion,
          kind: LEASE.kind,
          metadata: { name: c.name, namespace: c.namespace },
          spec: { holderIdentity: c.identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        });
        this.observe(created);
        return true;
      } catch (e) {
        if (isApiError(e, 'AlreadyExists') || isApiError(e, 'Conflict')) return false;
        throw e;
      }
    }
    this.observe(lease);
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity || '';
    if (holder !== '' && holder !== c.identity && now < this.observedTime + c.leaseDurationMs) return false;
    const next: LeaseSpec = { ...spec, holderIdentity: c.identity, leaseDurationSeconds: durationSeconds, renewTime: microTime(now) };
    if (holder !== c.identity) {
      next.acquireTime = microTime(now);
      next.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
    }
    try {
      // The resourceVersion we read makes this a compare-and-swap: a concurrent writer gets 409.
      const updated = await this.client.update<Lease>({ ...lease, spec: next });
      this.observe(updated);
      return true;
    } catch (e) {
      if (isApiError(e, 'Conflict') || isApiError(e, 'NotFound')) return false;
      throw e;
    }
  }

  private async release(): Promise<void> {
    const lease = this.observed;
    if (!lease || lease.spec?.holderIdentity !== this.config.identity) return;
    const now = microTime(this.opts.clock.now());
    try {
      const updated = await this.client.update<Lease>({
        ...lease,
        spec: { leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: lease.spec?.leaseTransitions ?? 0 },
      });
      this.observe(updated);
    } catch (err) {
      this.log.warn('releasing the lease failed', { error: err });
    }
  }
}
