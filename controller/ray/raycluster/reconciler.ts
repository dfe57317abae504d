// The RayCluster controller (KubeRay's RayClusterReconciler): for RayCluster, owns Pods and
// Services (and the batch scheduler's objects, e.g. Volcano PodGroups). One reconcile:
//   1. read the cluster from the cache; gone -> forget its expectations;
//   2. skip clusters managed by another controller (spec.managedBy) or being deleted;
//   3. validate (Warning event, no requeue; an invalid status is requeued after 2 s);
//   4. run RAY_CLUSTER_STEPS in order on a working copy, stopping at the first error;
//   5. compute the status on a copy and write it once, only if it changed;
//   6. requeue after 2 s when something changed or failed, otherwise after 300 s.
// Time comes only from ctx.clock, randomness only from ctx.rng.

import type { Pod, Service } from '../../api/core-types.js';
import type { RayCluster } from '../../api/raycluster-types.js';
import { KUBERAY_CONTROLLER, POD, RAY_CLUSTER, SERVICE } from '../../api/constants.js';
import { isApiError } from '../../runtime/api-error.js';
import type { ResourceId } from '../../runtime/kube-client.js';
import { specLabelsOrAnnotationsChanged } from '../../runtime/predicates.js';
import type { Reconciler, ReconcileContext, Request, Result } from '../../runtime/reconciler.js';
import { clusterPodsSelector, headServiceSelector } from '../common/association.js';
import { ScaleExpectations } from './expectations.js';
import {
  CHANGE_REQUEUE_MS,
  RayClusterStepError,
  resolveOptions,
  type RayClusterEnv,
  type RayClusterReconcilerOptions,
  type ResolvedOptions,
} from './options.js';
import { reconcilePods } from './pods.js';
import { reconcileHeadlessService, reconcileHeadService, reconcileServeService } from './services.js';
import { computeStatus, statusChanged, type ReconcileFailure } from './status.js';
import { checkRayCluster } from './validation.js';
import { METADATA_ONLY } from '../../runtime/kube-client.js';

export interface RayClusterStep {
  name: string;
  run(cluster: RayCluster, env: RayClusterEnv): Promise<void>;
}

/** The reconcile functions, in KubeRay's order (autoscaler RBAC, ingress, auth secret and GCS PVC are not modelled). */
export const RAY_CLUSTER_STEPS: readonly RayClusterStep[] = [
  { name: 'headService', run: reconcileHeadService },
  { name: 'headlessService', run: reconcileHeadlessService },
  { name: 'serveService', run: reconcileServeService },
  { name: 'pods', run: reconcilePods },
];

/** The outcome of running the steps: undefined when every step finished. */
export async function runSteps(cluster: RayCluster, env: RayClusterEnv, steps: readonly RayClusterStep[] = RAY_CLUSTER_STEPS): Promise<ReconcileFailure | undefined> {
  for (const step of steps) {
    try {
      await step.run(cluster, env);
    } catch (e) {
      // API errors and step errors are the cluster's state of affairs; anything else is a bug.
      if (!(e instanceof RayClusterStepError) && !isApiError(e)) throw e;
      env.ctx.log.info('reconcile step stopped', { step: step.name, error: e.message });
      return { message: e.message, replicaFailure: e instanceof RayClusterStepError ? e.replicaFailure : undefined };
    }
  }
  return undefined;
}

export class RayClusterReconciler implements Reconciler {
  readonly name: string;
  readonly for: ResourceId = RAY_CLUSTER;
  /** KubeRay watches RayClusters for spec, label and annotation changes only, not status writes. */
  readonly forUpdate = specLabelsOrAnnotationsChanged;
  readonly owns: ResourceId[];
  readonly options: ResolvedOptions;
  readonly expectations: ScaleExpectations;

  constructor(opts: RayClusterReconcilerOptions = {}) {
    this.options = resolveOptions(opts);
    this.name = this.options.name;
    this.owns = [POD, SERVICE, ...this.options.scheduler.ownedKinds];
    this.expectations = new ScaleExpectations(this.options.expectationsTimeoutMs);
  }

  env(ctx: ReconcileContext): RayClusterEnv {
    return { ctx, options: this.options, expectations: this.expectations };
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result> {
    const cached = ctx.cache.get<RayCluster>(RAY_CLUSTER, req.name, req.namespace);
    if (!cached) {
      this.expectations.delete(req.namespace ?? '', req.name);
      return {};
    }
    const managedBy = cached.spec?.managedBy;
    if (managedBy !== undefined && managedBy !== KUBERAY_CONTROLLER) {
      ctx.log.info('skipping RayCluster managed by a custom controller', { managedBy });
      return {};
    }
    // A working copy: steps change metadata and worker groups' scaleStrategy (replacing, never
    // editing, nested values), and computeStatus copies the status, so the pod templates and the
    // status are shared with the read-only cache (frozen in tests).
    const cluster: RayCluster = {
      ...cached,
      metadata: { ...cached.metadata },
      spec: { ...cached.spec, ...(cached.spec.workerGroupSpecs ? { workerGroupSpecs: cached.spec.workerGroupSpecs.map((g) => ({ ...g })) } : {}) },
    };
    const log = ctx.log.child({ rayCluster: `${req.namespace ?? ''}/${req.name}` });
    const env = this.env({ ...ctx, log });

    let requeue = false;
    for (const f of checkRayCluster(cluster, { featureGates: this.options.gates, strict: this.options.strictValidation })) {
      ctx.recorder.event(cluster, f.type, f.reason, f.message);
      if (!f.stop) continue;
      log.info('invalid RayCluster', { reason: f.reason, message: f.message });
      return f.requeue ? { requeueAfterMs: CHANGE_REQUEUE_MS } : {};
    }
    if (cluster.metadata.deletionTimestamp) return {};

    const failure = await runSteps(cluster, env);
    if (failure) requeue = true;

    const status = computeStatus({
      cluster,
      pods: ctx.cache.list<Pod>(POD, clusterPodsSelector(cluster)),
      headServices: ctx.cache.list<Service>(SERVICE, headServiceSelector(cluster)),
      now: ctx.clock.now(),
      failure,
      gates: this.options.gates,
    });
    if (!status.ok) {
      log.info('cannot compute the status yet', { error: status.error });
      return { requeueAfterMs: CHANGE_REQUEUE_MS };
    }
    if (statusChanged(cached.status, status.status)) {
      requeue = true;
      try {
        await ctx.client.updateStatus<RayCluster, typeof METADATA_ONLY>({ ...cluster, status: status.status }, METADATA_ONLY);
      } catch (e) {
        if (!isApiError(e)) throw e;
        log.info('status update failed', { error: e.message });
      }
    }
    if (requeue) return { requeueAfterMs: CHANGE_REQUEUE_MS };
    // Nothing changed: KubeRay looks again in 300 s anyway. Everything this reconcile reads (the
    // RayCluster, its pods and services) is watched, and time only stamps what changes, so that
    // look finds something new only after a watch event; a simulation may skip it (Result.poll).
    return { requeueAfterMs: this.options.idleRequeueMs, poll: {} };
  }
}

export function createRayClusterReconciler(opts: RayClusterReconcilerOptions = {}): RayClusterReconciler {
  return new RayClusterReconciler(opts);
}
