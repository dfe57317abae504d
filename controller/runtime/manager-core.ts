// What both managers share: the registry of reconcilers, one informer per kind any of them reads
// (shared between reconcilers, as controller-runtime shares informers), the mapping from watch
// events to requests (for / owns / watches), and one Controller per reconciler. A manager builds
// a "generation" of informers and controllers at start and throws it away at stop; a simulated
// crash is a stop followed by a new generation that rebuilds everything from the API.

import type { Clock, Rng } from '../../sim/core/clock.js';
import type { Priority, Timers } from '../../sim/core/simulation.js';
import { InformerCache, resourceKey } from './cache.js';
import { Controller, ReconcileError, type ReconcileOutcome } from './controller.js';
import { Informer } from './informer.js';
import type { KubeClient, ResourceId } from './kube-client.js';
import { splitApiVersion, type KubeObject } from './kube-object.js';
import type { PollSources } from './poll-sources.js';
import type { EventRecorder, Logger, Reconciler, Request } from './reconciler.js';

export interface ManagerCoreOptions {
  client: KubeClient;
  clock: Clock;
  timers: Timers;
  rng: Rng;
  logger: Logger;
  /** Starts one unit of a controller's work. */
  dispatch: (run: () => Promise<void>, label: string) => void;
  /** Priority of queue and informer timers. */
  timerPriority?: Priority;
  recorderFor: (controller: string) => EventRecorder;
  /** Kinds to cache although no reconciler watches them (read-only lookups). */
  cacheKinds?: ResourceId[];
  /** Watch only this namespace (every kind the operator caches is namespaced), like
   * controller-runtime's Cache.DefaultNamespaces; unset: all namespaces. */
  namespace?: string;
  informerBackoffInitialMs?: number;
  informerBackoffMaxMs?: number;
  onOutcome?: (o: ReconcileOutcome) => void;
  /** 'record' (default): keep programming errors in `programmingErrors`; 'throw': also rethrow them. */
  onProgrammingError?: 'record' | 'throw';
  /** Change notification for polled state: controllers park idle polls (poll-parking.ts). */
  pollSources?: PollSources;
}

interface Generation {
  informers: Informer[];
  controllers: Controller[];
}

export class ManagerCore {
  readonly cache = new InformerCache();
  /** Non-ApiError exceptions from reconcilers and watch mappings, oldest first. */
  readonly programmingErrors: ReconcileError[] = [];
  private readonly reconcilers: Reconciler[] = [];
  private readonly rngs = new Map<string, Rng>();
  private gen: Generation | undefined;

  constructor(private readonly opts: ManagerCoreOptions) {}

  add(r: Reconciler): void {
    if (this.gen) throw new Error(`manager: add reconciler "${r.name}" before start`);
    if (typeof r.name !== 'string' || r.name === '') throw new Error('manager: a reconciler needs a non-empty name');
    if (this.reconcilers.some((x) => x.name === r.name)) {
      throw new Error(`manager: duplicate reconciler "${r.name}" (registered: ${this.reconcilers.map((x) => x.name).join(', ')})`);
    }
    this.reconcilers.push(r);
    // A stream per controller, kept across restarts: adding a controller never shifts another's draws.
    this.rngs.set(r.name, this.opts.rng.fork(`controller/${r.name}`));
  }

  get names(): string[] {
    return this.reconcilers.map((r) => r.name);
  }

  get started(): boolean {
    return this.gen !== undefined;
  }

  get controllers(): readonly Controller[] {
    return this.gen?.controllers ?? [];
  }

  get informers(): readonly Informer[] {
    return this.gen?.informers ?? [];
  }

  controller(name: string): Controller | undefined {
    return this.gen?.controllers.find((c) => c.name === name);
  }

  /** Builds informers and controllers; the caller starts the informers (see `informers`). */
  build(): void {
    if (this.gen) throw new Error('manager: already started');
    const o = this.opts;
    const informers = new Map<string, Informer>();
    const informerFor = (id: ResourceId): Informer => {
      const k = resourceKey(id);
      let inf = informers.get(k);
      if (!inf) {
        inf = new Informer(o.client, id, {
          timers: o.timers,
          clock: o.clock,
          logger: o.logger,
          timerPriority: o.timerPriority,
          backoffInitialMs: o.informerBackoffInitialMs,
          backoffMaxMs: o.informerBackoffMaxMs,
          namespace: o.namespace,
        });
        informers.set(k, inf);
        this.cache.set(inf);
      }
      return inf;
    };
    this.cache.clear();
    const controllers: Controller[] = [];
    for (const r of this.reconcilers) {
      const log = o.logger.child({ controller: r.name });
      const c = new Controller({
        reconciler: r,
        ctx: { client: o.client, cache: this.cache, clock: o.clock, rng: this.rngs.get(r.name)!, recorder: o.recorderFor(r.name), log },
        timers: o.timers,
        dispatch: o.dispatch,
        logger: log,
        queueTimerPriority: o.timerPriority,
        onOutcome: o.onOutcome,
        onProgrammingError: (e) => this.programmingError(e),
        pollSources: o.pollSources,
      });
      controllers.push(c);
      const mine: Informer[] = [];
      const watch = (id: ResourceId, map: (obj: KubeObject) => Request[], updates?: (oldObj: KubeObject, newObj: KubeObject) => boolean): void => {
        const inf = informerFor(id);
        if (!mine.includes(inf)) mine.push(inf);
        const enqueue = (obj: KubeObject): void => {
          let reqs: Request[];
          try {
            reqs = map(obj);
          } catch (err) {
            this.programmingError(new ReconcileError(r.name, undefined, err, 'map'));
            return;
          }
          for (const q of reqs) c.enqueue(q);
        };
        inf.addHandlers({
          add: enqueue,
          update: (old, obj) => {
            if (updates && !updates(old, obj)) return;
            // A change of owner or of mapped fields concerns both the old and the new target.
            enqueue(old);
            enqueue(obj);
          },
          delete: enqueue,
          synced: () => {
            if (mine.every((i) => i.hasSynced())) c.setReady();
          },
        });
      };
      watch(r.for, (obj) => [{ namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' }], r.forUpdate);
      for (const id of r.owns ?? []) watch(id, (obj) => this.ownerRequests(obj, r.for));
      for (const w of r.watches ?? []) watch(w.id, (obj) => w.map(obj));
    }
    for (const id of o.cacheKinds ?? []) informerFor(id);
    this.gen = { informers: [...informers.values()], controllers };
  }

  /** Lets controllers run (or holds them: leader election lost, or shutting down). */
  setEnabled(on: boolean): void {
    for (const c of this.gen?.controllers ?? []) c.setEnabled(on);
  }

  /** Enqueues every cached object of each controller's primary kind (periodic resync). */
  resync(): void {
    for (const c of this.gen?.controllers ?? []) {
      for (const o of this.cache.list(c.reconciler.for)) c.enqueue({ namespace: o.metadata.namespace, name: o.metadata.name ?? '' });
    }
  }

  /** Resolves when no reconcile is in flight. */
  async idle(): Promise<void> {
    await Promise.all((this.gen?.controllers ?? []).map((c) => c.idle()));
  }

  /** Stops informers and controllers and forgets them and their caches. */
  teardown(): void {
    const g = this.gen;
    if (!g) return;
    this.gen = undefined;
    for (const c of g.controllers) c.stop();
    for (const i of g.informers) i.stop();
    this.cache.clear();
  }

  /** The request for the object's controller ownerReference of kind `owner`, if it has one. */
  ownerRequests(obj: KubeObject, owner: ResourceId): Request[] {
    const group = splitApiVersion(owner.apiVersion).group;
    const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === owner.kind && splitApiVersion(r.apiVersion).group === group);
    if (!ref) return [];
    // The owner's namespace: from the cache when it is there (a cluster-scoped owner of a
    // namespaced child), else the child's own, as owners of namespaced objects share it.
    const cached = this.cache.informerFor(owner)?.getByUid(ref.uid);
    if (cached) return [{ namespace: cached.metadata.namespace, name: cached.metadata.name ?? ref.name }];
    return [{ namespace: obj.metadata.namespace, name: ref.name }];
  }

  private programmingError(e: ReconcileError): void {
    this.programmingErrors.push(e);
    if (e.phase === 'map') this.opts.logger.error('watch mapping threw', { controller: e.controller, error: e.message });
    // A mapping runs inside an informer's event delivery, which must carry on; only reconciles stop the run.
    if (this.opts.onProgrammingError === 'throw' && e.phase === 'reconcile') throw e;
  }
}
