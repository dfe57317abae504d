// A harness for RayJob controller tests: the in-memory API server, store cache and event recorder
// of test/fixtures/api-env.ts, a FakeDashboard per cluster, and helpers to play the parts of the
// RayCluster controller and the submitter Job.

import { fileURLToPath } from 'node:url';
import type { Job, RayCluster, RayJob } from '../../controller/api/types.js';
import { BATCH_JOB, RAY_CLUSTER, RAY_JOB } from '../../controller/api/constants.js';
import type { Result } from '../../controller/runtime/reconciler.js';
import { fakeDashboardFactory, type FakeDashboard, type FakeDashboardFactory } from '../../controller/ray/dashboard-fake.js';
import { resolveRayJobOptions, type RayJobOptions, type ResolvedRayJobOptions } from '../../controller/ray/rayjob/options.js';
import { reconcileRayJob } from '../../controller/ray/rayjob/rayjob-controller.js';
import { newRayJobStep, type RayJobStep } from '../../controller/ray/rayjob/states.js';
import { rfc3339 } from '../../sim/core/clock.js';
import { apiEnv, type ApiEnv } from '../fixtures/api-env.js';

export const NS = 'default';

export interface Harness extends ApiEnv {
  dashboards: FakeDashboardFactory;
  opts: ResolvedRayJobOptions;
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
  reasons(): string[];
}

/** Volcano's PodGroup and Queue CRDs, loaded when the harness runs with the volcano batch scheduler. */
export const VOLCANO_CRDS = fileURLToPath(new URL('../../controller/deploy/crds/volcano/', import.meta.url));

export function harness(options: Partial<RayJobOptions> & { seed?: string } = {}): Harness {
  const crdDirs = options.batchScheduler === 'volcano' ? [VOLCANO_CRDS] : [];
  const env = apiEnv(options.seed ?? 'rayjob-test', { crdDirs, rngStream: 'controller/rayjob' });
  const { sim, client, cache, recorder, ctx } = env;
  const dashboards = fakeDashboardFactory({ now: () => sim.now() });
  const opts = resolveRayJobOptions({ dashboards, ...options });

  const job = (name: string): RayJob => {
    const j = cache.get<RayJob>(RAY_JOB, name, NS);
    if (!j) throw new Error(`no RayJob ${name}`);
    return j;
  };
  const cluster = (name: string | undefined) => (name ? cache.get<RayCluster>(RAY_CLUSTER, name, NS) : undefined);

  const h: Harness = {
    ...env,
    dashboards,
    opts,
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
    reasons: () => recorder.reasons(),
  };
  return h;
}
