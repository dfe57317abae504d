// A harness for RayJob controller tests: the in-memory API server (ray.io CRDs loaded) inside a
// Simulation whose virtual clock is the controller's clock, a cache that reads the store directly
// (always fresh, so each reconcile sees the previous one's writes), a FakeDashboard per cluster,
// and helpers to play the parts of the RayCluster controller and the submitter Job.

import { fileURLToPath } from 'node:url';
import type { Job, RayCluster, RayJob } from '../../controller/api/types.js';
import { BATCH_JOB, RAY_CLUSTER, RAY_JOB } from '../../controller/api/constants.js';
import { MemoryEventRecorder } from '../../controller/runtime/event-recorder.js';
import type { ResourceId } from '../../controller/runtime/kube-client.js';
import type { KubeObject } from '../../controller/runtime/kube-object.js';
import { silentLogger } from '../../controller/runtime/logger.js';
import type { CacheListOptions, CacheReader, ReconcileContext, Result } from '../../controller/runtime/reconciler.js';
import { fakeDashboardFactory, type FakeDashboard, type FakeDashboardFactory } from '../../controller/ray/dashboard-fake.js';
import { resolveRayJobOptions, type RayJobOptions, type ResolvedRayJobOptions } from '../../controller/ray/rayjob/options.js';
import { reconcileRayJob } from '../../controller/ray/rayjob/rayjob-controller.js';
import { newRayJobStep, type RayJobStep } from '../../controller/ray/rayjob/states.js';
import { rfc3339 } from '../../sim/core/clock.js';
import { createRng } from '../../sim/core/rng.js';
import { Simulation } from '../../sim/core/simulation.js';
import { createSimStore } from '../../sim/kube/create-store.js';
import { MemoryKubeClient } from '../../sim/kube/memory-client.js';
import type { ObjectStore } from '../../sim/kube/store.js';

export const NS = 'default';

/** A CacheReader over the store itself (no informer lag). Objects are the store's frozen ones. */
export class StoreCache implements CacheReader {
  constructor(private readonly store: ObjectStore) {}

  get<T extends KubeObject = KubeObject>(id: ResourceId, name: string, namespace?: string): T | undefined {
    return this.store.peek(this.store.typeFor(id), namespace, name) as T | undefined;
  }

  list<T extends KubeObject = KubeObject>(id: ResourceId, opts: CacheListOptions = {}): T[] {
    const labelSelector = opts.labels ? Object.entries(opts.labels).map(([k, v]) => `${k}=${v}`).join(',') : undefined;
    const items = this.store.list(this.store.typeFor(id), { namespace: opts.namespace, labelSelector }).items as T[];
    return opts.ownerUid === undefined ? items : items.filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === opts.ownerUid));
  }
}

export interface Harness {
  sim: Simulation;
  store: ObjectStore;
  client: MemoryKubeClient;
  cache: StoreCache;
  recorder: MemoryEventRecorder;
  dashboards: FakeDashboardFactory;
  opts: ResolvedRayJobOptions;
  ctx: ReconcileContext;
  /** Creates the RayJob through the API (CRD defaults applied; its status, if any, written after). */
  create(job: RayJob): Promise<RayJob>;
  /** One reconcile of the RayJob, then the store's deferred work (GC, watch delivery) settles. */
  reconcile(name: string): Promise<Result>;
  /** Reconciles (at least once) until the status is `status`, advancing time by each requeue; throws after `max`. */
  reconcileUntil(name: string, status: string, max?: number): Promise<RayJob>;
  /** A step for calling one state function directly. */
  step(name: string): RayJobStep;
  job(name: string): RayJob;
  cluster(name: string | undefined): RayCluster | undefined;
  submitter(name: string): Job | undefined;
  /** The cluster the RayJob runs on (status.rayClusterName). */
  clusterOf(name: string): RayCluster | undefined;
  /** The fake dashboard of the RayJob's cluster. */
  dashboardOf(name: string): FakeDashboard;
  /** Plays the RayCluster controller: status.state = ready. */
  markClusterReady(cluster: string): Promise<void>;
  /** Plays the Job controller: a Complete or Failed condition on the submitter. */
  finishSubmitter(name: string, type: 'Complete' | 'Failed', reason?: string, message?: string): Promise<void>;
  /** Advances virtual time (running whatever is due). */
  advance(ms: number): Promise<void>;
  reasons(): string[];
}

/** Volcano's PodGroup and Queue CRDs, loaded when the harness runs with the volcano batch scheduler. */
export const VOLCANO_CRDS = fileURLToPath(new URL('../../controller/deploy/crds/volcano/', import.meta.url));

export function harness(options: Partial<RayJobOptions> & { seed?: string } = {}): Harness {
  const sim = new Simulation();
  const rng = createRng(options.seed ?? 'rayjob-test');
  const crdDirs = options.batchScheduler === 'volcano' ? [VOLCANO_CRDS] : [];
  const store = createSimStore(sim, rng.fork('apiserver'), { freezeObjects: true, crdDirs });
  const client = new MemoryKubeClient(store);
  const cache = new StoreCache(store);
  const recorder = new MemoryEventRecorder(sim);
  const dashboards = fakeDashboardFactory({ now: () => sim.now() });
  const opts = resolveRayJobOptions({ dashboards, ...options });
  const ctx: ReconcileContext = { client, cache, clock: sim, rng: rng.fork('controller/rayjob'), recorder, log: silentLogger };

  const job = (name: string): RayJob => {
    const j = cache.get<RayJob>(RAY_JOB, name, NS);
    if (!j) throw new Error(`no RayJob ${name}`);
    return j;
  };
  const cluster = (name: string | undefined) => (name ? cache.get<RayCluster>(RAY_CLUSTER, name, NS) : undefined);

  const h: Harness = {
    sim,
    store,
    client,
    cache,
    recorder,
    dashboards,
    opts,
    ctx,
    async create(j) {
      let created = await client.create(j);
      // The status subresource ignores status on create: write it as a controller would have.
      if (j.status) created = await client.updateStatus({ ...created, status: j.status });
      await sim.settle();
      return created;
    },
    async reconcile(name) {
      const r = await reconcileRayJob({ namespace: NS, name }, ctx, opts);
      await sim.settle();
      return r;
    },
    async reconcileUntil(name, status, max = 50) {
      for (let i = 0; i < max; i++) {
        const r = await h.reconcile(name);
        const now = cache.get<RayJob>(RAY_JOB, name, NS);
        if ((now?.status?.jobDeploymentStatus ?? '') === status) return now!;
        if (r.requeueAfterMs) await h.advance(r.requeueAfterMs);
      }
      throw new Error(`RayJob ${name} did not reach "${status}" in ${max} reconciles (at "${cache.get<RayJob>(RAY_JOB, name, NS)?.status?.jobDeploymentStatus}")`);
    },
    step: (name) => newRayJobStep(ctx, opts, job(name)),
    job,
    cluster,
    submitter: (name) => cache.get<Job>(BATCH_JOB, name, NS),
    clusterOf: (name) => cluster(job(name).status?.rayClusterName),
    dashboardOf: (name) => dashboards.dashboard(NS, job(name).status!.rayClusterName!),
    async markClusterReady(name) {
      await client.patch(RAY_CLUSTER, name, NS, { status: { state: 'ready' } }, 'merge', { subresource: 'status' });
      await sim.settle();
    },
    async finishSubmitter(name, type, reason = type === 'Failed' ? 'BackoffLimitExceeded' : 'Completed', message = '') {
      const conditions = [{ type, status: 'True', reason, message, lastProbeTime: rfc3339(sim.now()), lastTransitionTime: rfc3339(sim.now()) }];
      await client.patch(BATCH_JOB, name, NS, { status: { conditions } }, 'merge', { subresource: 'status' });
      await sim.settle();
    },
    async advance(ms) {
      await sim.run({ until: sim.now() + ms });
    },
    reasons: () => recorder.reasons(),
  };
  return h;
}
