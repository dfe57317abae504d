// kube-scheduler's scheduling queue, on an injected clock: pending pods wait in one of three sets.
//
//   active         ready to be tried, highest priority first, then oldest (creationTimestamp),
//                  then first seen (FIFO);
//   backoff        failed recently: ready again at backoffUntil (1 s after the first failure,
//                  doubling per attempt up to 10 s: podInitialBackoffSeconds/podMaxBackoffSeconds);
//   unschedulable  failed and waiting for a cluster change that could help (the caller decides
//                  which, see moveUnschedulable), or for the 5-minute flush
//                  (podMaxInUnschedulablePodsDuration) that retries it anyway.
//
// A pod leaving `unschedulable` goes to `active` if its backoff is over, else to `backoff`. Pure
// bookkeeping: times are passed in, nothing here waits; `nextWakeAt` says when to look again.

import type { Pod } from '../api/core-types.js';
import type { PodInfo } from '../../policies/placement/pod-info.js';
import { IndexedHeap, type HeapItem } from './indexed-heap.js';

export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS = 5 * 60_000;

export interface SchedulingQueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxInUnschedulableMs?: number;
}

export type QueueName = 'active' | 'backoff' | 'unschedulable' | 'in-flight';

export class QueuedPod implements HeapItem {
  heapIndex = -1;
  where: QueueName = 'active';
  /** Scheduling attempts so far (counted when popped). */
  attempts = 0;
  /** End of the backoff after the last failure (epoch ms). */
  backoffUntil = 0;
  /** When it last entered the unschedulable set (epoch ms). */
  unschedulableSince = 0;
  /** Plugins that rejected it in the last attempt. */
  rejectedBy: readonly string[] = [];
  /** The message of the PodScheduled=False condition last written (or found) for it. */
  lastMessage: string | undefined;

  constructor(
    readonly key: string,
    public pod: Pod,
    public info: PodInfo,
    /** creationTimestamp in epoch ms (0 when absent). */
    readonly created: number,
    /** Order first seen, for FIFO among equals. */
    readonly seq: number,
  ) {}

  get uid(): string | undefined {
    return this.pod.metadata.uid;
  }

  get priority(): number {
    return this.info.priority;
  }
}

function activeLess(a: QueuedPod, b: QueuedPod): boolean {
  if (a.info.priority !== b.info.priority) return a.info.priority > b.info.priority;
  if (a.created !== b.created) return a.created < b.created;
  return a.seq < b.seq;
}

export interface QueueCounts {
  active: number;
  backoff: number;
  unschedulable: number;
  inFlight: number;
}

export class SchedulingQueue {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly maxInUnschedulableMs: number;
  private readonly entries = new Map<string, QueuedPod>();
  private readonly active = new IndexedHeap<QueuedPod>(activeLess);
  private readonly backoff = new IndexedHeap<QueuedPod>((a, b) => a.backoffUntil < b.backoffUntil || (a.backoffUntil === b.backoffUntil && activeLess(a, b)));
  private readonly unschedulable = new IndexedHeap<QueuedPod>(
    (a, b) => a.unschedulableSince < b.unschedulableSince || (a.unschedulableSince === b.unschedulableSince && a.seq < b.seq),
  );
  private seq = 0;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.initialBackoffMs = opts.initialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.maxBackoffMs = opts.maxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS;
    if (!(this.initialBackoffMs > 0) || !(this.maxBackoffMs >= this.initialBackoffMs)) {
      throw new RangeError(`SchedulingQueue: need 0 < initialBackoffMs <= maxBackoffMs, got ${this.initialBackoffMs}, ${this.maxBackoffMs}`);
    }
    if (!(this.maxInUnschedulableMs > 0)) throw new RangeError(`SchedulingQueue: maxInUnschedulableMs must be > 0, got ${this.maxInUnschedulableMs}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): QueuedPod | undefined {
    return this.entries.get(key);
  }

  counts(): QueueCounts {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.entries.size - this.active.size - this.backoff.size - this.unschedulable.size };
  }

  /** Pending pods in the unschedulable set (heap order). */
  unschedulablePods(): readonly QueuedPod[] {
    return this.unschedulable.values();
  }

  /** A new pending pod: straight to active. A key already queued is returned as it is. */
  add(pod: Pod, info: PodInfo): QueuedPod {
    const had = this.entries.get(info.key);
    if (had) return had;
    const created = pod.metadata.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : 0;
    const qp = new QueuedPod(info.key, pod, info, Number.isFinite(created) ? created : 0, this.seq++);
    this.entries.set(qp.key, qp);
    this.active.push(qp);
    qp.where = 'active';
    return qp;
  }

  /**
   * A newer version of a queued pod. A change the filters or scores could see (requests,
   * tolerations, selector, affinity, priority) takes an unschedulable pod out to be tried again.
   * Returns whether it moved.
   */
  update(qp: QueuedPod, pod: Pod, info: PodInfo, now: number): boolean {
    const changed = qp.info.schedulingKey !== info.schedulingKey;
    const priorityChanged = qp.info.priority !== info.priority;
    const heap = this.heapOf(qp);
    if (priorityChanged && heap) heap.remove(qp);
    qp.pod = pod;
    qp.info = info;
    if (priorityChanged && heap) heap.push(qp);
    if (changed && qp.where === 'unschedulable') {
      this.unschedulable.remove(qp);
      this.toActiveOrBackoff(qp, now);
      return true;
    }
    return false;
  }

  delete(key: string): boolean {
    const qp = this.entries.get(key);
    if (!qp) return false;
    this.heapOf(qp)?.remove(qp);
    this.entries.delete(key);
    return true;
  }

  /** The next pod to try, now in flight until done / requeueUnschedulable / requeueBackoff. */
  pop(): QueuedPod | undefined {
    const qp = this.active.pop();
    if (!qp) return undefined;
    qp.where = 'in-flight';
    qp.attempts++;
    return qp;
  }

  /** The pod was bound: it leaves the queue. */
  done(key: string): void {
    this.delete(key);
  }

  /** No node fits: wait for a cluster change (or the flush), backing off from now. */
  requeueUnschedulable(qp: QueuedPod, rejectedBy: readonly string[], now: number): void {
    if (this.entries.get(qp.key) !== qp) return;
    this.heapOf(qp)?.remove(qp);
    qp.rejectedBy = rejectedBy;
    qp.backoffUntil = now + this.backoffDuration(qp.attempts);
    qp.unschedulableSince = now;
    qp.where = 'unschedulable';
    this.unschedulable.push(qp);
  }

  /** An error (not a fit failure): try again after the backoff. */
  requeueBackoff(qp: QueuedPod, now: number): void {
    if (this.entries.get(qp.key) !== qp) return;
    this.heapOf(qp)?.remove(qp);
    qp.backoffUntil = now + this.backoffDuration(qp.attempts);
    qp.where = 'backoff';
    this.backoff.push(qp);
  }

  /** Moves pods whose backoff is over to active, and retries pods unschedulable for 5 minutes. */
  flush(now: number): void {
    for (let qp = this.backoff.peek(); qp && qp.backoffUntil <= now; qp = this.backoff.peek()) {
      this.backoff.pop();
      qp.where = 'active';
      this.active.push(qp);
    }
    for (let qp = this.unschedulable.peek(); qp && qp.unschedulableSince + this.maxInUnschedulableMs <= now; qp = this.unschedulable.peek()) {
      this.unschedulable.pop();
      this.toActiveOrBackoff(qp, now);
    }
  }

  /** Moves the unschedulable pods for which `pred` holds (a cluster change may let them fit). Returns how many. */
  moveUnschedulable(pred: (qp: QueuedPod) => boolean, now: number): number {
    const move = this.unschedulable.values().filter(pred);
    for (const qp of move) {
      this.unschedulable.remove(qp);
      this.toActiveOrBackoff(qp, now);
    }
    return move.length;
  }

  /** When the next backoff ends or the next 5-minute flush is due; undefined when neither is pending. */
  nextWakeAt(): number | undefined {
    const b = this.backoff.peek()?.backoffUntil;
    const u = this.unschedulable.peek();
    const f = u ? u.unschedulableSince + this.maxInUnschedulableMs : undefined;
    if (b === undefined) return f;
    if (f === undefined) return b;
    return Math.min(b, f);
  }

  /** kube-scheduler's calculateBackoffDuration: initial, doubling per attempt after the first, capped. */
  backoffDuration(attempts: number): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      d *= 2;
      if (d > this.maxBackoffMs) return this.maxBackoffMs;
    }
    return d;
  }

  clear(): void {
    this.active.clear();
    this.backoff.clear();
    this.unschedulable.clear();
    this.entries.clear();
  }

  private toActiveOrBackoff(qp: QueuedPod, now: number): void {
    if (qp.backoffUntil > now) {
      qp.where = 'backoff';
      this.backoff.push(qp);
    } else {
      qp.where = 'active';
      this.active.push(qp);
    }
  }

  private heapOf(qp: QueuedPod): IndexedHeap<QueuedPod> | undefined {
    switch (qp.where) {
      case 'active':
        return this.active;
      case 'backoff':
        return this.backoff;
      case 'unschedulable':
        return this.unschedulable;
      default:
        return undefined;
    }
  }
}
