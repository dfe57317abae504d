// Kubernetes Events for `kubectl describe`, written the way client-go's recorder writes them:
// fire-and-forget (a failed write is logged, never thrown into the reconciler), and repeats of the
// same (object, type, reason, message) folded into one Event whose count and lastTimestamp are
// patched, as client-go's EventCorrelator does, remembering a bounded number of recent events.
// Times come from the injected Clock, so simulated Events carry virtual time.

import { isApiError } from './api-error.js';
import { METADATA_ONLY, type KubeClient, type ResourceId } from './kube-client.js';
import type { KubeObject } from './kube-object.js';
import { silentLogger } from './logger.js';
import type { EventRecorder, EventType, Logger } from './reconciler.js';
import { rfc3339, type Clock } from '../../sim/core/clock.js';

export const EVENT: ResourceId = { apiVersion: 'v1', kind: 'Event' };

/** client-go's maxLruCacheEntries. */
export const DEFAULT_EVENT_CACHE_ENTRIES = 4096;
/** client-go truncates messages to this many bytes (events.k8s.io's limit). */
const MAX_MESSAGE_LENGTH = 1024;

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export function involvedObject(obj: KubeObject): InvolvedObject {
  const m = obj.metadata;
  const ref: InvolvedObject = { apiVersion: obj.apiVersion, kind: obj.kind, name: m.name ?? '' };
  if (m.namespace) ref.namespace = m.namespace;
  if (m.uid) ref.uid = m.uid;
  if (m.resourceVersion) ref.resourceVersion = m.resourceVersion;
  return ref;
}

export interface KubeEventRecorderOptions {
  /** source.component and reportingComponent ("raycluster-controller"). */
  component: string;
  /** source.host (optional). */
  host?: string;
  clock: Clock;
  logger?: Logger;
  /** Distinct recent events remembered for aggregation (default 4096). */
  maxCacheEntries?: number;
}

interface Aggregate {
  /** The Event's name once its create has succeeded. */
  name?: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  /** Writes for this aggregate run one after another. */
  chain: Promise<void>;
  /** A patch is queued on the chain and will write the latest count. */
  patchQueued: boolean;
  /** The Event as first created, to recreate it if it has been deleted. */
  base: KubeObject;
}

export class KubeEventRecorder implements EventRecorder {
  private readonly cache = new Map<string, Aggregate>();
  private readonly maxEntries: number;
  private readonly log: Logger;
  private readonly pending = new Set<Promise<void>>();
  private seq = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: KubeEventRecorderOptions,
  ) {
    this.maxEntries = opts.maxCacheEntries ?? DEFAULT_EVENT_CACHE_ENTRIES;
    if (!(this.maxEntries >= 1)) throw new RangeError(`KubeEventRecorder: maxCacheEntries must be >= 1, got ${this.maxEntries}`);
    this.log = (opts.logger ?? silentLogger).child({ component: opts.component });
  }

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    try {
      this.record(obj, type, reason, message);
    } catch (err) {
      this.log.error('recording an event failed', { reason, error: err });
    }
  }

  /** Waits for every write started so far (tests, graceful shutdown). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Distinct events currently remembered for aggregation. */
  get cacheSize(): number {
    return this.cache.size;
  }

  private record(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const ref = involvedObject(obj);
    if (message.length > MAX_MESSAGE_LENGTH) message = message.slice(0, MAX_MESSAGE_LENGTH - 3) + '...';
    const now = rfc3339(this.opts.clock.now());
    // Each field length-prefixed: unambiguous whatever the message holds, and cheaper than
    // JSON.stringify on every event.
    const key = aggregateKey(ref.apiVersion, ref.kind, ref.namespace ?? '', ref.name, ref.uid ?? '', type, reason, message);
    const agg = this.cache.get(key);
    if (agg) {
      // Most recently used last, so eviction takes the least recently used first.
      this.cache.delete(key);
      this.cache.set(key, agg);
      agg.count++;
      agg.lastTimestamp = now;
      if (!agg.patchQueued) {
        agg.patchQueued = true;
        this.enqueue(agg, () => this.patch(agg));
      }
      return;
    }
    // Cluster-scoped objects' events go to "default", as client-go does.
    const namespace = ref.namespace ?? 'default';
    const source: Record<string, string> = { component: this.opts.component };
    if (this.opts.host) source.host = this.opts.host;
    const base: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      source,
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? '',
    };
    const created: Aggregate = { namespace, count: 1, firstTimestamp: now, lastTimestamp: now, chain: Promise.resolve(), patchQueued: false, base };
    this.cache.set(key, created);
    if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.enqueue(created, () => this.create(created), true);
  }

  /** Runs `write` after the aggregate's earlier writes; a new aggregate's create starts at once, so
   * in simulation the Event is written within the reconcile that recorded it. */
  private enqueue(agg: Aggregate, write: () => Promise<void>, now = false): void {
    // One promise per write (the async function's own), not one per .catch and .finally.
    // The body first awaits, so `p` is assigned before the finally clause reads it.
    let p: Promise<void> | undefined = undefined;
    p = (async () => {
      try {
        if (!now) await agg.chain;
        await write();
      } catch (err) {
        this.log.warn('writing an event failed', { reason: agg.base['reason'], error: err });
      } finally {
        this.pending.delete(p!);
      }
    })();
    agg.chain = p;
    this.pending.add(p);
  }

  private async create(agg: Aggregate): Promise<void> {
    const ref = agg.base['involvedObject'] as InvolvedObject;
    for (let attempt = 0; ; attempt++) {
      try {
        const ev = await this.client.create<KubeObject>({
          ...agg.base,
          metadata: { ...agg.base.metadata, name: this.eventName(ref.name) },
          count: agg.count,
          firstTimestamp: agg.firstTimestamp,
          lastTimestamp: agg.lastTimestamp,
        }, METADATA_ONLY);
        agg.name = ev.metadata.name;
        return;
      } catch (err) {
        // Another recorder named an event about the same object in the same instant.
        if (!isApiError(err, 'AlreadyExists') || attempt >= 3) throw err;
      }
    }
  }

  /**
   * client-go's "<object>.<hex nanoseconds>". Virtual time repeats instants, so a per-recorder
   * sequence number is added to the nanoseconds; names stay deterministic (no random suffix, no
   * generateName, whose "<object>." prefix the API server would reject anyway).
   */
  private eventName(objectName: string): string {
    const nanos = BigInt(Math.trunc(this.opts.clock.now())) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    return `${objectName}.${nanos.toString(16)}`;
  }

  private async patch(agg: Aggregate): Promise<void> {
    agg.patchQueued = false;
    if (agg.name === undefined) {
      // The create failed: try it again with the counts so far.
      await this.create(agg);
      return;
    }
    try {
      await this.client.patch(EVENT, agg.name, agg.namespace, { count: agg.count, lastTimestamp: agg.lastTimestamp }, 'merge', METADATA_ONLY);
    } catch (err) {
      // Expired or deleted meanwhile: start a new Event carrying the aggregate, as client-go does.
      if (!isApiError(err, 'NotFound')) throw err;
      agg.name = undefined;
      await this.create(agg);
    }
  }
}

/** What MemoryEventRecorder keeps per call. */
export interface RecordedEvent {
  object: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  /** Clock time of the call, when the recorder has a clock. */
  time?: number;
}

/** Keeps events in memory for tests: one entry per call, in call order. */
export class MemoryEventRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];

  constructor(private readonly clock?: Clock) {}

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const e: RecordedEvent = { object: involvedObject(obj), type, reason, message };
    if (this.clock) e.time = this.clock.now();
    this.events.push(e);
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }

  clear(): void {
    this.events.length = 0;
  }
}

function aggregateKey(...fields: (string | undefined)[]): string {
  let k = '';
  // An object without apiVersion or kind still gets its events (as JSON.stringify allowed).
  for (const f of fields) k += f === undefined ? '-:' : `${f.length}:${f}`;
  return k;
}
