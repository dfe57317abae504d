// The contract between controllers and the managers that run them. A reconciler is a plain
// object naming the kind it owns and a `reconcile` that reads through the informer cache, writes
// through the KubeClient and returns when to look again. The simulation manager and the real
// manager run the same reconcilers; neither leaks into them.

import type { Clock, Rng } from '../../sim/core/clock.js';
import type { KubeClient, ResourceId } from './kube-client.js';
import type { KubeObject } from './kube-object.js';

/** What to reconcile: the key of one object of the reconciler's primary kind. */
export interface Request {
  namespace?: string;
  name: string;
}

export interface Result {
  /** Look at this object again after this long even if nothing changes (KubeRay's RequeueAfter). */
  requeueAfterMs?: number;
  /**
   * The requeue only polls: looking again finds something new only if a watched object changes,
   * the polled `source` changes, or time reaches `until`. A manager that is told when sources
   * change (the simulation) may then skip the looks that would find nothing, provided this
   * reconcile made no API call; others ignore it (poll-parking.ts).
   */
  poll?: PollHint;
}

export interface PollHint {
  /** The polled external state (a PollSources name); omitted: only watched objects and time matter. */
  source?: string;
  /** Epoch ms from which the answer may differ by the passing of time alone (a deadline). */
  until?: number;
}

/** Reads from the informer caches: shared, read-only objects (copy before changing). */
export interface CacheReader {
  get<T extends KubeObject = KubeObject>(id: ResourceId, name: string, namespace?: string): T | undefined;
  list<T extends KubeObject = KubeObject>(id: ResourceId, opts?: CacheListOptions): T[];
}

export interface CacheListOptions {
  namespace?: string;
  /** Equality-based label match: every entry must match. */
  labels?: Record<string, string>;
  /** Objects whose ownerReferences name this uid (answered from the owner index). */
  ownerUid?: string;
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Records a core/v1 Event about `obj` (KubeRay's reasons: CreatedRayCluster, FailedToCreatePod...). */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Everything a reconcile may touch. Time and randomness come only from here. */
export interface ReconcileContext {
  client: KubeClient;
  cache: CacheReader;
  clock: Clock;
  rng: Rng;
  recorder: EventRecorder;
  log: Logger;
}

/** Maps a change of a watched object to the requests it should trigger. */
export interface WatchMapping {
  id: ResourceId;
  map(obj: KubeObject): Request[];
}

export interface Reconciler {
  /** Controller name, unique within a manager ("raycluster", "rayjob", ...). */
  readonly name: string;
  /** The primary kind: its changes enqueue its own key. */
  readonly for: ResourceId;
  /**
   * Which updates of the primary kind enqueue it (controller-runtime's predicates on For; creates
   * and deletes always do). Default: every update. See predicates.ts.
   */
  readonly forUpdate?: (oldObj: KubeObject, newObj: KubeObject) => boolean;
  /** Child kinds: a change enqueues the key of the object's controller ownerReference of kind `for`. */
  readonly owns?: ResourceId[];
  /** Any other mapping from a watched kind to requests. */
  readonly watches?: WatchMapping[];
  /** Concurrent reconciles of different keys (default 1). */
  readonly maxConcurrentReconciles?: number;
  reconcile(req: Request, ctx: ReconcileContext): Promise<Result>;
}

/** What both managers offer the composition root. */
export interface Manager {
  /** Registers a reconciler; a duplicate name throws and lists the registered ones. */
  add(r: Reconciler): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly cache: CacheReader;
}
