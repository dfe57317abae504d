// A kube-scheduler for raysim, written as an ordinary Reconciler so that it runs unchanged on
// SimManager and RealManager. It schedules the pods whose spec.schedulerName is its own
// ("default-scheduler" unless configured) and whose spec.nodeName is empty:
//
//   - the ClusterSnapshot is kept from pod and node watch events, incrementally: the watch
//     mappings only note which pods and nodes changed; each reconcile first re-reads exactly those
//     from the informer cache (a deleted or finished pod, a removed node, frees its resources);
//   - pending pods wait in a SchedulingQueue (priority, then creation, then FIFO; 1 s backoff
//     doubling to 10 s; retried when a cluster change lets them fit, or after 5 minutes anyway);
//   - each reconcile is one scheduling round: sync, move the pods a change may help, then pop
//     and place pods one at a time (decide over the snapshot, assume, bind through the
//     pods/binding subresource with the pod's uid). A pod that fits nowhere gets
//     PodScheduled=False, reason Unschedulable, kube-scheduler's message (written only when it
//     changes) and a FailedScheduling Warning event; a bound pod gets a Scheduled event;
//   - the reconcile returns requeueAfterMs for the next backoff expiry or flush.
//
// Why one round per reconcile rather than one pod per request: pods created at the same instant
// must be ordered by priority, so every change at an instant is noted first and the round runs
// after all of them (in simulation watch deliveries are URGENT events and reconciles NORMAL ones).
// The reconciler's primary kind is Node; pod changes map to one request named after the
// scheduler, so a burst of pod events costs one round, not one reconcile per pod.
//
// Queueing hints: a cluster change can only help a rejected pod on the node that changed (the
// filters look at one node at a time), so an unschedulable pod moves out only when it now passes
// every filter on a node that was added, changed, or had a pod removed. That is exact for the
// filters here and costs one filter run per (waiting pod, changed node), or per (waiting pod,
// group of identical changed nodes) for pods that do not select nodes by label. kube-scheduler's
// hints are coarser (NodeResourcesFit requeues on any node that would fit the requests), so here
// a pod is not retried, and its message not refreshed, for a node it still could not use.

import { NODE, POD } from '../api/constants.js';
import type { Node, Pod, PodCondition } from '../api/core-types.js';
import { decide, decidesByGroup, isPlacement, type Unschedulable } from '../../policies/placement/decide.js';
import { DEFAULT_FILTERS, passesFilters, type FilterPlugin } from '../../policies/placement/filters.js';
import { podInfo } from '../../policies/placement/pod-info.js';
import { ClusterSnapshot, type NodeGroup, type NodeInfo } from '../../policies/placement/cluster-snapshot.js';
import type { PlacementPolicy, PlacementPolicyOptions } from '../../policies/placement/placement-policy.js';
import { PlacementPolicyRegistry } from '../../policies/placement/registry.js';
import { rfc3339 } from '../../sim/core/clock.js';
import { isApiError } from '../runtime/api-error.js';
import type { ApiError } from '../runtime/api-error.js';
import type { KubeObject } from '../runtime/kube-object.js';
import type { CacheReader, ReconcileContext, Reconciler, Request, Result, WatchMapping } from '../runtime/reconciler.js';
import { SchedulingQueue, type QueueCounts, type QueuedPod, type SchedulingQueueOptions } from './scheduling-queue.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export interface SchedulerOptions extends SchedulingQueueOptions {
  /** Controller name within the manager (default "scheduler"). */
  name?: string;
  /** The spec.schedulerName this scheduler serves (default "default-scheduler"). */
  schedulerName?: string;
  /** A registered policy name or a policy (default "least-allocated", kube-scheduler's default). */
  policy?: string | PlacementPolicy;
  /** Options for a policy given by name (scored resources and weights). */
  policyOptions?: PlacementPolicyOptions;
  /** Where policy names are looked up (default: the built-in list). */
  registry?: PlacementPolicyRegistry;
  filters?: readonly FilterPlugin[];
  /** Called with every decision, for traces (pod.bound / pod.unschedulable records). */
  onDecision?: (d: SchedulingDecision) => void;
}

export interface PodRef {
  kind: 'Pod';
  namespace: string;
  name: string;
  uid?: string;
}

/** One outcome of one scheduling attempt, shaped for the trace catalogue (sim/core/trace-events.ts). */
export type SchedulingDecision =
  | {
      type: 'bound';
      /** Clock time of the decision (epoch ms). */
      at: number;
      pod: PodRef;
      node: string;
      score: number;
      feasibleNodes: number;
      gpus: number;
      cpuMilli: number;
      memoryBytes: number;
      attempts: number;
      policy: string;
    }
  | { type: 'unschedulable'; at: number; pod: PodRef; message: string; reasons: Record<string, number>; attempts: number; retryAt: number; policy: string }
  | { type: 'bind-failed'; at: number; pod: PodRef; node: string; error: string; attempts: number };

/** The name a pod asks for; the API server defaults it to "default-scheduler". */
export function schedulerNameOf(pod: Pod): string {
  return pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME;
}

export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function keyOfPod(p: KubeObject): string {
  return `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
}

function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

interface BoundPod {
  uid: string | undefined;
  node: string;
  /** Bound by us and not yet seen bound in the cache (kube-scheduler's "assumed" pods). */
  assumed: boolean;
}

export class Scheduler implements Reconciler {
  readonly name: string;
  readonly for = NODE;
  readonly watches: WatchMapping[];
  readonly schedulerName: string;
  readonly policy: PlacementPolicy;
  readonly snapshot = new ClusterSnapshot();
  readonly queue: SchedulingQueue;
  private readonly filters: readonly FilterPlugin[];
  private readonly onDecision: ((d: SchedulingDecision) => void) | undefined;
  private readonly wake: Request;
  private readonly dirtyPods = new Set<string>();
  private readonly dirtyNodes = new Set<string>();
  private readonly bound = new Map<string, BoundPod>();
  /** Identifies the informer generation the snapshot was built from (see `checkEpoch`). */
  private epoch: unknown;
  /** Rounds run, pods bound, failed attempts: for tests and the benchmark. */
  readonly stats = { rounds: 0, scheduled: 0, unschedulable: 0, bindErrors: 0 };

  constructor(opts: SchedulerOptions = {}) {
    this.name = opts.name ?? 'scheduler';
    this.schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    const p = opts.policy ?? 'least-allocated';
    this.policy = typeof p === 'string' ? (opts.registry ?? new PlacementPolicyRegistry()).create(p, opts.policyOptions) : p;
    this.filters = opts.filters ?? DEFAULT_FILTERS;
    this.queue = new SchedulingQueue(opts);
    this.onDecision = opts.onDecision;
    this.wake = { name: this.schedulerName };
    const wake = [this.wake];
    this.watches = [
      {
        id: POD,
        map: (obj) => {
          this.dirtyPods.add(keyOfPod(obj));
          return wake;
        },
      },
      {
        id: NODE,
        map: (obj) => {
          this.dirtyNodes.add(obj.metadata.name ?? '');
          return wake;
        },
      },
    ];
  }

  /** Pending pods by queue. */
  counts(): QueueCounts {
    return this.queue.counts();
  }

  async reconcile(_req: Request, ctx: ReconcileContext): Promise<Result> {
    this.stats.rounds++;
    this.checkEpoch(ctx.cache);
    const now = ctx.clock.now();
    const changed = this.sync(ctx.cache, now);
    this.queue.flush(now);
    if (changed.length > 0) this.moveOnClusterChange(changed, now);
    for (let qp = this.queue.pop(); qp; qp = this.queue.pop()) await this.scheduleOne(qp, ctx);
    const next = this.queue.nextWakeAt();
    return next === undefined ? {} : { requeueAfterMs: Math.max(1, next - ctx.clock.now()) };
  }

  /**
   * Queueing hints: an unschedulable pod moves out (to active, or to backoff if it is still
   * backing off) only if it now passes every filter on one of the nodes that changed. For pods
   * that do not select nodes by label, one node per group of identical changed nodes is checked.
   */
  private moveOnClusterChange(changed: string[], now: number): void {
    const nodes: NodeInfo[] = [];
    const reps: NodeInfo[] = [];
    const seen = new Set<NodeGroup>();
    for (const name of changed) {
      const n = this.snapshot.node(name);
      if (!n) continue;
      nodes.push(n);
      const g = this.snapshot.groupOf(name)!;
      if (!seen.has(g)) {
        seen.add(g);
        reps.push(n);
      }
    }
    if (nodes.length === 0) return;
    this.queue.moveUnschedulable((qp) => {
      const candidates = decidesByGroup(qp.info, this.filters) ? reps : nodes;
      for (const n of candidates) if (passesFilters(qp.info, n, this.filters)) return true;
      return false;
    }, now);
  }

  // ------------------------------------------------------------------------------ sync

  /**
   * A new informer behind the pod cache means the manager restarted and rebuilt its caches from
   * the API (SimManager.restart): whatever the snapshot and queue hold may be stale, so both are
   * rebuilt from the new cache, as a restarted kube-scheduler would. Managers whose cache does
   * not expose its informers never trigger this.
   */
  private checkEpoch(cache: CacheReader): void {
    const c = cache as CacheReader & { informerFor?: (id: typeof POD) => unknown };
    const epoch = typeof c.informerFor === 'function' ? c.informerFor(POD) : undefined;
    if (epoch === this.epoch) return;
    const first = this.epoch === undefined;
    this.epoch = epoch;
    if (first) return;
    this.snapshot.clear();
    this.queue.clear();
    this.bound.clear();
    for (const n of cache.list<Node>(NODE)) this.dirtyNodes.add(n.metadata.name ?? '');
    for (const p of cache.list<Pod>(POD)) this.dirtyPods.add(keyOfPod(p));
  }

  /** Applies what changed since the last round. Returns nodes that may now take more (added, changed, or with pods gone). */
  private sync(cache: CacheReader, now: number): string[] {
    const changed = new Set<string>();
    if (this.dirtyNodes.size > 0) {
      const names = [...this.dirtyNodes];
      this.dirtyNodes.clear();
      for (const name of names) {
        const node = cache.get<Node>(NODE, name);
        if (!node) this.snapshot.removeNode(name);
        else if (this.snapshot.upsertNode(node)) changed.add(name);
      }
    }
    if (this.dirtyPods.size > 0) {
      // In the order the changes arrived: pods first seen together keep creation order (FIFO).
      const keys = [...this.dirtyPods];
      this.dirtyPods.clear();
      for (const key of keys) this.syncPod(cache, key, now, changed);
    }
    return [...changed];
  }

  private syncPod(cache: CacheReader, key: string, now: number, freed: Set<string>): void {
    const { namespace, name } = splitKey(key);
    const pod = cache.get<Pod>(POD, name, namespace);
    const uid = pod?.metadata.uid;
    const b = this.bound.get(key);
    const q = this.queue.get(key);
    if (!pod || isTerminal(pod)) {
      if (b) this.unbind(key, freed);
      if (q) this.queue.delete(key);
      return;
    }
    if (b && b.uid !== uid) this.unbind(key, freed);
    if (q && q.uid !== uid) this.queue.delete(key);
    const nodeName = pod.spec?.nodeName;
    if (nodeName) {
      this.queue.delete(key);
      const had = this.bound.get(key);
      // Requests of a bound pod do not change (in-place resize is not modelled), so the status
      // updates a running pod goes through cost nothing here.
      if (had && had.node === nodeName) {
        had.assumed = false;
        return;
      }
      if (had) this.unbind(key, freed);
      this.snapshot.addPod(key, nodeName, podInfo(pod));
      this.bound.set(key, { uid, node: nodeName, assumed: false });
      return;
    }
    // Not bound in the cache. If we bound it, the cache is behind our bind: keep the assumption.
    if (this.bound.get(key)?.assumed) return;
    if (this.bound.has(key)) this.unbind(key, freed);
    if (!this.wants(pod)) {
      this.queue.delete(key);
      return;
    }
    const info = podInfo(pod);
    const queued = this.queue.get(key);
    if (queued) this.queue.update(queued, pod, info, now);
    else this.queue.add(pod, info);
  }

  /** Pending pods this scheduler takes: its name, not being deleted, no scheduling gates. */
  private wants(pod: Pod): boolean {
    return schedulerNameOf(pod) === this.schedulerName && !pod.metadata.deletionTimestamp && !(pod.spec?.schedulingGates?.length);
  }

  private unbind(key: string, freed: Set<string>): void {
    const node = this.snapshot.removePod(key);
    this.bound.delete(key);
    if (node !== undefined) freed.add(node);
  }

  // ------------------------------------------------------------------------------ one pod

  private async scheduleOne(qp: QueuedPod, ctx: ReconcileContext): Promise<void> {
    const pod = qp.pod;
    const info = qp.info;
    const now = ctx.clock.now();
    const d = decide(info, this.snapshot, this.policy, { filters: this.filters });
    if (!isPlacement(d)) {
      await this.unschedulable(qp, d, ctx, now);
      return;
    }
    // Assume, then bind: the snapshot counts the pod at once, as kube-scheduler's cache does.
    this.snapshot.addPod(qp.key, d.node, info);
    this.bound.set(qp.key, { uid: qp.uid, node: d.node, assumed: true });
    try {
      await ctx.client.bind(info.namespace, info.name, d.node, qp.uid);
    } catch (err) {
      if (!isApiError(err)) throw err;
      this.snapshot.removePod(qp.key);
      this.bound.delete(qp.key);
      this.bindFailed(qp, d.node, err, ctx);
      return;
    }
    this.queue.done(qp.key);
    this.stats.scheduled++;
    ctx.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${info.namespace}/${info.name} to ${d.node}`);
    ctx.log.info('pod scheduled', { pod: qp.key, node: d.node, score: d.score, feasibleNodes: d.feasibleNodes, nodes: this.snapshot.nodeCount, attempts: qp.attempts, policy: this.policy.name });
    this.onDecision?.({
      type: 'bound',
      at: now,
      pod: podRef(pod),
      node: d.node,
      score: d.score,
      feasibleNodes: d.feasibleNodes,
      gpus: info.gpu / 1000,
      cpuMilli: info.cpu,
      memoryBytes: Math.ceil(info.memory / 1000),
      attempts: qp.attempts,
      policy: this.policy.name,
    });
  }

  private async unschedulable(qp: QueuedPod, d: Unschedulable, ctx: ReconcileContext, now: number): Promise<void> {
    this.queue.requeueUnschedulable(qp, d.rejectedBy, now);
    this.stats.unschedulable++;
    const message = d.unschedulable;
    ctx.recorder.event(qp.pod, 'Warning', 'FailedScheduling', message);
    ctx.log.info('pod unschedulable', { pod: qp.key, message, attempts: qp.attempts, retryAt: qp.backoffUntil, policy: this.policy.name });
    this.onDecision?.({ type: 'unschedulable', at: now, pod: podRef(qp.pod), message, reasons: d.reasons, attempts: qp.attempts, retryAt: qp.backoffUntil, policy: this.policy.name });
    await this.writeCondition(qp, message, ctx, now);
  }

  /** PodScheduled=False/Unschedulable with the message, written only when it changes. */
  private async writeCondition(qp: QueuedPod, message: string, ctx: ReconcileContext, now: number): Promise<void> {
    if (qp.lastMessage === message) return;
    const current = (qp.pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
    if (current && current.status === 'False' && current.reason === 'Unschedulable' && current.message === message) {
      qp.lastMessage = message;
      return;
    }
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      // lastProbeTime stays unset: null in a strategic merge patch would mean "delete".
      lastTransitionTime: current?.status === 'False' && current.lastTransitionTime ? current.lastTransitionTime : rfc3339(now),
    };
    try {
      await ctx.client.patch(POD, qp.info.name, qp.info.namespace, { status: { conditions: [condition] } }, 'strategic', { subresource: 'status' });
      qp.lastMessage = message;
    } catch (err) {
      if (!isApiError(err)) throw err;
      if (err.reason === 'NotFound') return;
      ctx.log.warn('writing the PodScheduled condition failed', { pod: qp.key, code: err.code, reason: err.reason, error: err.message });
    }
  }

  private bindFailed(qp: QueuedPod, node: string, err: ApiError, ctx: ReconcileContext): void {
    const now = ctx.clock.now();
    this.stats.bindErrors++;
    ctx.log.warn('binding failed', { pod: qp.key, node, code: err.code, reason: err.reason, error: err.message });
    this.onDecision?.({ type: 'bind-failed', at: now, pod: podRef(qp.pod), node, error: `${err.reason}: ${err.message}`, attempts: qp.attempts });
    // Gone, bound by someone else, recreated under the same name, or a transient error: re-read
    // the pod from the cache next round (which drops it if it is gone or bound) and back off.
    this.dirtyPods.add(qp.key);
    ctx.recorder.event(qp.pod, 'Warning', 'FailedScheduling', `Binding rejected: ${err.message}`);
    this.queue.requeueBackoff(qp, now);
  }
}

function podRef(pod: Pod): PodRef {
  const ref: PodRef = { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '' };
  if (pod.metadata.uid) ref.uid = pod.metadata.uid;
  return ref;
}

/** A scheduler to add to a manager: `mgr.add(createScheduler({policy: 'most-allocated'}))`. */
export function createScheduler(opts: SchedulerOptions = {}): Scheduler {
  return new Scheduler(opts);
}

