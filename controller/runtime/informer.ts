// An informer keeps an indexed cache of one kind in step with the API server, as client-go's
// reflector + indexer + shared informer do: list, then watch from the list's resourceVersion;
// when a watch ends cleanly, watch again from the last version seen; when it ends with an error
// (410 Expired: the server no longer has that version), list again and diff the list against the
// cache, so handlers see each change once and objects deleted meanwhile get a synthesised delete.
// Every retry waits through the injected Timers, so in simulation the whole cycle is events on
// the virtual clock and a run repeats exactly.

import type { Clock } from '../../sim/core/clock.js';
import type { Priority, TimerHandle, Timers } from '../../sim/core/simulation.js';
import { ApiError } from './api-error.js';
import type { KubeClient, ResourceId, Watch } from './kube-client.js';
import { objectKey, type KubeObject, type WatchEvent } from './kube-object.js';
import { silentLogger } from './logger.js';
import { keyOf, ObjectIndex, RAY_CLUSTER_LABEL } from './object-index.js';
import type { CacheListOptions, Logger } from './reconciler.js';

export interface InformerHandlers {
  add?(obj: KubeObject): void;
  update?(oldObj: KubeObject, newObj: KubeObject): void;
  /** The object's last known state (for a synthesised delete, the last version the cache held). */
  delete?(obj: KubeObject): void;
  /** The first list has been applied. */
  synced?(): void;
}

export interface InformerOptions {
  timers: Timers;
  /** Lets a watch that stayed up for backoffResetMs end without counting as a failure. */
  clock?: Clock;
  logger?: Logger;
  /** Only this namespace (default all). */
  namespace?: string;
  labelSelector?: string;
  /** Label keys indexed from the start (default ray.io/cluster); others are indexed on first use. */
  indexedLabels?: string[];
  /** Retry delay after consecutive failures: first retry is immediate, then this, doubling ... */
  backoffInitialMs?: number;
  /** ... up to this (client-go's reflector: 800 ms to 30 s). */
  backoffMaxMs?: number;
  /** A watch up this long before it ends cleanly resets the backoff (default 60 s): servers end
   * idle watches every few minutes, and that is not a failure. */
  backoffResetMs?: number;
  /** Priority of retry timers (in simulation 'urgent': API bookkeeping runs before reconciles). */
  timerPriority?: Priority;
  /** A handler threw. Default: logged. The informer carries on either way. */
  onHandlerError?: (err: unknown, event: 'add' | 'update' | 'delete' | 'synced', obj: KubeObject | undefined) => void;
}

export interface InformerStats {
  lists: number;
  watches: number;
  /** Lists after the first. */
  relists: number;
  watchCloses: number;
  events: number;
}

export class Informer {
  readonly stats: InformerStats = { lists: 0, watches: 0, relists: 0, watchCloses: 0, events: 0 };
  private readonly index: ObjectIndex;
  private readonly handlers: InformerHandlers[] = [];
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private synced = false;
  private started = false;
  private stopped = false;
  /** The version to watch from: of the last list or the last event. */
  private rv = '';
  private watch: Watch | undefined;
  /** Identifies the current watch; callbacks of an older one are ignored. */
  private watchSeq = 0;
  private timer: TimerHandle | undefined;
  private failures = 0;
  private watchStartedAt = 0;

  constructor(
    readonly client: KubeClient,
    readonly id: ResourceId,
    private readonly opts: InformerOptions,
  ) {
    this.index = new ObjectIndex(opts.indexedLabels ?? [RAY_CLUSTER_LABEL]);
    this.timers = opts.timers;
    this.log = (opts.logger ?? silentLogger).child({ informer: `${id.apiVersion}/${id.kind}` });
    this.backoffInitialMs = opts.backoffInitialMs ?? 800;
    this.backoffMaxMs = opts.backoffMaxMs ?? 30_000;
  }

  /** Registers handlers. Added after objects are cached, they first see each cached object as added. */
  addHandlers(h: InformerHandlers): void {
    this.handlers.push(h);
    if (this.index.size > 0) for (const o of this.index.list()) this.call(h, 'add', o);
    if (this.synced) this.call(h, 'synced', undefined);
  }

  /** Lists and starts watching; resolves after the first attempt (retries continue on timers). */
  async start(): Promise<void> {
    if (this.started) throw new Error(`Informer(${this.id.kind}): already started`);
    if (this.stopped) throw new Error(`Informer(${this.id.kind}): stopped informers cannot be restarted; make a new one`);
    this.started = true;
    await this.listAndWatch();
  }

  /** Stops watching and retrying. The cache keeps its contents but is no longer updated. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.watchSeq++;
    this.watch?.stop();
    this.watch = undefined;
    if (this.timer) this.timers.cancel(this.timer);
    this.timer = undefined;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** The resourceVersion the cache reflects. */
  get resourceVersion(): string {
    return this.rv;
  }

  get size(): number {
    return this.index.size;
  }

  get(name: string, namespace?: string): KubeObject | undefined {
    return this.index.get(objectKey(namespace || undefined, name));
  }

  getByUid(uid: string): KubeObject | undefined {
    return this.index.getByUid(uid);
  }

  list(opts?: CacheListOptions): KubeObject[] {
    return this.index.list(opts);
  }

  /** namespace/name keys of every cached object, in key order. */
  keys(): string[] {
    return [...this.index.keys()].sort();
  }

  // ------------------------------------------------------------ list and watch

  private async listAndWatch(): Promise<void> {
    if (this.stopped) return;
    let list;
    try {
      list = await this.client.list(this.id, { namespace: this.opts.namespace, labelSelector: this.opts.labelSelector });
    } catch (err) {
      if (this.stopped) return;
      this.retry('list', err, () => this.listAndWatch());
      return;
    }
    if (this.stopped) return;
    if (this.stats.lists++ > 0) this.stats.relists++;
    this.replace(list.items, list.metadata.resourceVersion);
    if (!this.synced) {
      this.synced = true;
      for (const h of this.handlers) this.call(h, 'synced', undefined);
    }
    await this.startWatch();
  }

  private async startWatch(): Promise<void> {
    if (this.stopped) return;
    const seq = ++this.watchSeq;
    let w: Watch;
    try {
      w = await this.client.watch(
        this.id,
        { namespace: this.opts.namespace, labelSelector: this.opts.labelSelector, resourceVersion: this.rv, allowBookmarks: true },
        {
          event: (e) => {
            if (seq === this.watchSeq) this.onEvent(seq, e);
          },
          closed: (err) => {
            if (seq === this.watchSeq) this.onClosed(err);
          },
        },
      );
    } catch (err) {
      if (seq !== this.watchSeq || this.stopped) return;
      this.watchSeq++;
      this.retry('watch', err, () => this.listAndWatch());
      return;
    }
    if (seq !== this.watchSeq) {
      // Stopped, or closed, while the watch was starting.
      w.stop();
      return;
    }
    this.stats.watches++;
    this.watch = w;
    if (this.opts.clock) this.watchStartedAt = this.opts.clock.now();
  }

  private onEvent(seq: number, e: WatchEvent): void {
    switch (e.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(withKind(e.object, this.id));
        break;
      case 'DELETED': {
        const key = keyOf(e.object);
        const old = this.index.remove(key);
        if (old) this.emit('delete', withKind(e.object, this.id));
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        // Transports normally turn ERROR into closed(err); handle one that does not.
        const status = e.object as unknown as { code?: number; reason?: string; message?: string };
        this.watchSeq++;
        this.watch?.stop();
        this.onClosed(ApiError.fromStatus(status as never));
        return;
      }
    }
    if (seq !== this.watchSeq) return;
    this.stats.events++;
    // Progress: the next failure starts the backoff afresh.
    this.failures = 0;
    const rv = e.object.metadata?.resourceVersion;
    if (rv) this.rv = rv;
  }

  private onClosed(err: ApiError | undefined): void {
    if (this.stopped) return;
    this.watchSeq++;
    this.watch = undefined;
    this.stats.watchCloses++;
    if (err === undefined) {
      const clock = this.opts.clock;
      if (clock && clock.now() - this.watchStartedAt >= (this.opts.backoffResetMs ?? 60_000)) this.failures = 0;
      // A clean end (server timeout, dropped connection): resume from the last version seen; if
      // the server no longer has it, the new watch ends with 410 and we list.
      this.schedule(this.nextDelay(), 'rewatch', () => this.startWatch());
      return;
    }
    this.log.debug('watch closed; listing again', { code: err.code, reason: err.reason, message: err.message });
    this.schedule(this.nextDelay(), 'relist', () => this.listAndWatch());
  }

  private retry(what: string, err: unknown, fn: () => Promise<void>): void {
    const delay = this.nextDelay();
    this.log.warn(`${what} failed; retrying`, { error: err, retryInMs: delay });
    this.schedule(delay, what, fn);
  }

  /** 0 for the first failure in a row, then backoffInitialMs doubling to backoffMaxMs. */
  private nextDelay(): number {
    const n = this.failures++;
    return n === 0 ? 0 : Math.min(this.backoffInitialMs * 2 ** (n - 1), this.backoffMaxMs);
  }

  private schedule(delayMs: number, what: string, fn: () => Promise<void>): void {
    if (this.stopped) return;
    if (this.timer) this.timers.cancel(this.timer);
    this.timer = this.timers.after(
      delayMs,
      () => {
        this.timer = undefined;
        return fn();
      },
      { label: `informer ${this.id.kind} ${what}`, priority: this.opts.timerPriority },
    );
  }

  // ------------------------------------------------------------ cache updates

  /** Applies a full list: adds and updates for what changed, deletes for what is gone. */
  private replace(items: KubeObject[], rv: string): void {
    const seen = new Set<string>();
    for (const raw of items) {
      const o = withKind(raw, this.id);
      seen.add(keyOf(o));
      this.upsert(o);
    }
    const gone: string[] = [];
    for (const k of this.index.keys()) if (!seen.has(k)) gone.push(k);
    gone.sort();
    for (const k of gone) {
      const old = this.index.remove(k);
      if (old) this.emit('delete', old);
    }
    this.rv = rv;
  }

  private upsert(o: KubeObject): void {
    const old = this.index.set(o);
    if (!old) {
      this.emit('add', o);
      return;
    }
    if (old.metadata.resourceVersion === o.metadata.resourceVersion && old.metadata.uid === o.metadata.uid) return;
    if (old.metadata.uid !== o.metadata.uid) {
      // Deleted and recreated under the same name while we were not watching: two changes.
      this.emit('delete', old);
      this.emit('add', o);
      return;
    }
    this.emit('update', o, old);
  }

  private emit(what: 'add' | 'update' | 'delete', obj: KubeObject, old?: KubeObject): void {
    for (const h of this.handlers) this.call(h, what, obj, old);
  }

  private call(h: InformerHandlers, what: 'add' | 'update' | 'delete' | 'synced', obj: KubeObject | undefined, old?: KubeObject): void {
    try {
      if (what === 'add') h.add?.(obj!);
      else if (what === 'update') h.update?.(old!, obj!);
      else if (what === 'delete') h.delete?.(obj!);
      else h.synced?.();
    } catch (err) {
      if (this.opts.onHandlerError) this.opts.onHandlerError(err, what, obj);
      else this.log.error('informer handler failed', { event: what, error: err });
    }
  }
}

/** Lists of built-in kinds may leave out each item's apiVersion and kind; cached objects have them. */
function withKind(o: KubeObject, id: ResourceId): KubeObject {
  if (o.apiVersion && o.kind) return o;
  return { ...o, apiVersion: o.apiVersion || id.apiVersion, kind: o.kind || id.kind };
}
