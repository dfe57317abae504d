// The RayService controller, after KubeRay v1.7.0's rayservice_controller.go. One reconcile:
//
//   1. forget serve configs and schedule/delete dangling clusters (cleanUpRayClusters);
//   2. deletion (finalizer ray.io/rayservice-finalizer), validation, suspend, initializing timeout;
//   3. create the pending cluster named in status, update clusters in place when only worker
//      groups were appended (reconcileRayClusters);
//   4. submit / poll Serve on the pending cluster, or on the active one when nothing is pending
//      (reconcileServe);
//   5. keep the ray.io/serve labels of both clusters' pods (reconcileServeLabels);
//   6. point <name>-head-svc and <name>-serve-svc at the cluster that is ready to serve
//      (reconcileServices) — the pending one once all its applications are RUNNING;
//   7. compute the status on the copy: promotion of pending to active when the services point at
//      it, a new pending cluster name when the cluster spec changed, serve endpoints, conditions;
//      write it only when it changed (calculateStatus). Requeue every 2 s (dashboard polling).
//
// Zero downtime: labels (5) are written before the services switch (6); a switch away from a
// cluster that has ready serve endpoints waits until the new cluster has one too; the old
// cluster becomes dangling only after the switch and is deleted rayClusterDeletionDelaySeconds
// later. Incremental upgrades (Gateway API traffic shifting) are not modelled:
// NewClusterWithIncrementalUpgrade behaves as NewCluster.

import type { Pod, RayCluster, RayService, Service } from '../../api/types.js';
import {
  EventReason,
  KUBERAY_CONTROLLER,
  POD,
  RAY_CLUSTER,
  RAY_CLUSTER_LABEL_KEY,
  RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY,
  RAY_NODE_TYPE_LABEL_KEY,
  RAY_SERVICE,
  RAY_SERVICE_FINALIZER,
  SERVICE,
} from '../../api/constants.js';
import { rayClusterDeletionDelaySeconds } from '../../api/defaults.js';
import type { FeatureGates } from '../../api/features.js';
import { problemsMessage, validateRayServiceMetadata, validateRayServiceSpec } from '../../api/validation.js';
import { isApiError } from '../../runtime/api-error.js';
import { specLabelsOrAnnotationsChanged } from '../../runtime/predicates.js';
import type { Reconciler, ReconcileContext, Request, Result } from '../../runtime/reconciler.js';
import { rfc3339 } from '../../../sim/core/clock.js';
import type { DashboardClientFactory } from '../dashboard-client.js';
import { isConditionTrue, removeCondition } from '../common/conditions.js';
import { dashboardUrl, generatedClusterName } from '../common/names.js';
import { headDashboardPort, ServePortError } from '../common/service.js';
import {
  buildRayClusterForRayService,
  modifyRayCluster,
  rayServiceAssociationLabels,
  rayServiceOwnerReference,
  shouldPrepareNewCluster,
  shouldUpdateCluster,
  type PrepareOptions,
} from './clusters.js';
import { checkIfNeedSubmitServeApplications, parseServeConfig, serveStatusFromDetails, type ServeStatus } from './serve.js';
import { countEndpoints, desiredServeLabel, isRunningAndReady } from './serve-endpoints.js';
import { buildHeadServiceForRayService, buildServeServiceForRayService, serveSelector, serveServiceNameFor } from './services.js';
import { calculateConditions, inconsistentRayServiceStatuses, isInitializingTimeout, setServiceCondition } from './status.js';
import { deepClone } from '../../runtime/deep-copy.js';

/** KubeRay's ServiceDefaultRequeueDuration. */
export const RAYSERVICE_DEFAULT_REQUEUE_MS = 2000;

export interface RayServiceReconcilerOptions {
  /** Dashboard client of a cluster (Serve REST API). */
  dashboards: DashboardClientFactory;
  /** KubeRay feature gates for validation and NewClusterWithIncrementalUpgrade (upstream defaults). */
  featureGates?: FeatureGates;
  /** raysim's stricter validation (controller/api/validation.ts). */
  strictValidation?: boolean;
  /** The ENABLE_ZERO_DOWNTIME environment variable: false disables upgrades when upgradeStrategy.type is unset. */
  enableZeroDowntime?: boolean;
  /** ENABLE_RAY_HEAD_CLUSTER_IP_SERVICE: a ClusterIP head service instead of a headless one. */
  headClusterIPService?: boolean;
  /** Periodic requeue (default 2000 ms). */
  requeueMs?: number;
}

/**
 * What KubeRay keeps in the reconciler's memory rather than in the API: the serve config last
 * submitted to each cluster (its ServeConfigs LRU) and when each dangling cluster is to be deleted
 * (RayClusterDeletionTimestamps). Lost when the operator process restarts.
 */
export class RayServiceMemory {
  /** "namespace/rayservice" -> cluster name -> serveConfigV2 submitted. */
  readonly serveConfigs = new Map<string, Map<string, string>>();
  /** "namespace/cluster" -> when the dangling cluster is deleted (epoch ms) and whose it is. */
  readonly deletions = new Map<string, { at: number; rayService: string }>();

  /** When the dangling cluster is to be deleted (epoch ms), if it is scheduled. */
  deletionTime(namespace: string, cluster: string): number | undefined {
    return this.deletions.get(`${namespace}/${cluster}`)?.at;
  }

  serveConfig(namespace: string, rayService: string, cluster: string): string | undefined {
    return this.serveConfigs.get(`${namespace}/${rayService}`)?.get(cluster);
  }

  cacheServeConfig(namespace: string, rayService: string, cluster: string, config: string): void {
    if (config === '') return;
    const key = `${namespace}/${rayService}`;
    let m = this.serveConfigs.get(key);
    if (!m) this.serveConfigs.set(key, (m = new Map()));
    m.set(cluster, config);
  }

  forgetService(namespace: string, rayService: string): void {
    this.serveConfigs.delete(`${namespace}/${rayService}`);
  }
}

export interface RayServiceReconciler extends Reconciler {
  readonly memory: RayServiceMemory;
}

/** Everything the steps share: the options with defaults filled in, and the memory. */
export interface RayServiceEnv {
  dashboards: DashboardClientFactory;
  featureGates?: FeatureGates;
  strictValidation: boolean;
  prepare: PrepareOptions;
  headClusterIPService: boolean;
  requeueMs: number;
  memory: RayServiceMemory;
}

export function rayServiceEnv(opts: RayServiceReconcilerOptions, memory = new RayServiceMemory()): RayServiceEnv {
  return {
    dashboards: opts.dashboards,
    featureGates: opts.featureGates,
    strictValidation: opts.strictValidation ?? false,
    prepare: { enableZeroDowntime: opts.enableZeroDowntime, incrementalUpgradeGate: opts.featureGates?.RayServiceIncrementalUpgrade ?? true },
    headClusterIPService: opts.headClusterIPService ?? false,
    requeueMs: opts.requeueMs ?? RAYSERVICE_DEFAULT_REQUEUE_MS,
    memory,
  };
}

/** The RayService controller: for RayService, owns RayCluster and Service, reads Pods. */
export function rayServiceReconciler(opts: RayServiceReconcilerOptions): RayServiceReconciler {
  const env = rayServiceEnv(opts);
  return {
    name: 'rayservice',
    for: RAY_SERVICE,
    // KubeRay watches RayServices for spec, label and annotation changes only, not status writes.
    forUpdate: specLabelsOrAnnotationsChanged,
    owns: [RAY_CLUSTER, SERVICE],
    // Pods are read (serve labels, endpoints), not reacted to: their changes reach the RayService
    // through its clusters' status, as in KubeRay.
    watches: [{ id: POD, map: () => [] }],
    memory: env.memory,
    reconcile: (req, ctx) => reconcileRayService(req, ctx, env),
  };
}

const key = (namespace: string | undefined, name: string | undefined) => `${namespace ?? ''}/${name ?? ''}`;

function nsName(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/** spec.managedBy names another controller (MultiKueue): hands off. */
export function isManagedExternally(svc: RayService): boolean {
  const m = svc.spec?.managedBy;
  return m !== undefined && m !== null && m !== KUBERAY_CONTROLLER;
}

// ---------------------------------------------------------------------------------------------
// Reconcile
// ---------------------------------------------------------------------------------------------

export async function reconcileRayService(req: Request, ctx: ReconcileContext, env: RayServiceEnv): Promise<Result> {
  const requeue: Result = { requeueAfterMs: env.requeueMs };
  const cached = ctx.cache.get<RayService>(RAY_SERVICE, req.name, req.namespace);
  if (!cached) {
    env.memory.forgetService(req.namespace ?? '', req.name);
    return {};
  }
  if (isManagedExternally(cached)) {
    ctx.log.debug('skipping RayService managed by another controller', { managedBy: cached.spec.managedBy });
    return {};
  }
  const svc = deepClone(cached) as RayService;
  let written = cached;
  const nowIso = rfc3339(ctx.clock.now());
  const writeStatus = async (): Promise<void> => {
    if (!inconsistentRayServiceStatuses(written.status, svc.status)) return;
    svc.status!.lastUpdateTime = nowIso;
    written = await ctx.client.updateStatus(svc);
    svc.metadata.resourceVersion = written.metadata.resourceVersion;
  };

  cleanUpServeConfigCache(env, svc);
  const cleanup = await cleanUpRayClusters(ctx, env, svc);

  if (svc.metadata.deletionTimestamp) {
    if (cleanup.hasClustersToClean) return requeue;
    if (svc.metadata.finalizers?.includes(RAY_SERVICE_FINALIZER)) {
      svc.metadata.finalizers = svc.metadata.finalizers.filter((f) => f !== RAY_SERVICE_FINALIZER);
      await ctx.client.update(svc);
    }
    env.memory.forgetService(svc.metadata.namespace ?? '', svc.metadata.name ?? '');
    return {};
  }
  if (!svc.metadata.finalizers?.includes(RAY_SERVICE_FINALIZER)) {
    svc.metadata.finalizers = [...(svc.metadata.finalizers ?? []), RAY_SERVICE_FINALIZER];
    await ctx.client.update(svc);
    return requeue;
  }

  // Validation: Ready=False/ValidationFailed, a Warning event, no requeue.
  const metaProblems = validateRayServiceMetadata(svc.metadata);
  const problems = metaProblems.length
    ? metaProblems
    : validateRayServiceSpec(svc.spec, { annotations: svc.metadata.annotations, featureGates: env.featureGates, strict: env.strictValidation });
  if (problems.length) {
    const reason = metaProblems.length ? EventReason.InvalidRayServiceMetadata : EventReason.InvalidRayServiceSpec;
    const msg = problemsMessage(problems);
    ctx.recorder.event(cached, 'Warning', reason, `${nsName(svc)}: ${msg}`);
    setServiceCondition(svc, 'Ready', 'False', 'ValidationFailed', msg, nowIso);
    await writeStatus();
    return {};
  }

  const suspend = await handleSuspend(ctx, env, svc, nowIso);
  await writeStatus();
  if (suspend) return suspend;

  if (isInitializingTimeout(svc)) return cleanup.hasClustersToClean ? requeue : {};

  const { active, pending } = await reconcileRayClusters(ctx, env, svc);

  // Serve: on the pending cluster; on the active one only when no upgrade is under way.
  let pendingServe: ServeStatus | undefined;
  let activeServe: ServeStatus | undefined;
  if (pending) {
    const r = await reconcileServe(ctx, env, svc, pending);
    if (r === 'error') return requeue;
    pendingServe = r;
  }
  if (active && !pending && !shouldPrepareNewCluster(svc, active, undefined, false, env.prepare)) {
    const r = await reconcileServe(ctx, env, svc, active);
    if (r === 'error') return requeue;
    activeServe = r;
  }

  // Labels before services: the cluster a service switches to already has its endpoints.
  const pods = new Map<string, Pod[]>();
  for (const c of [active, pending]) if (c) pods.set(c.metadata.name!, await reconcileServeLabels(ctx, env, svc, c));

  let services: ServicePair | undefined;
  const target = pickServingCluster(ctx, svc, active, pending, activeServe, pendingServe, pods);
  if (target) {
    try {
      services = await reconcileServices(ctx, env, svc, target);
    } catch (e) {
      if (!(e instanceof ServePortError)) throw e;
      ctx.recorder.event(cached, 'Warning', EventReason.FailedToCreateService, `${nsName(svc)}: ${e.message}`);
      return requeue;
    }
  }

  const timeoutEvent = calculateStatus(ctx, env, svc, { active, pending, activeServe, pendingServe, services, pods });
  if (timeoutEvent) ctx.recorder.event(cached, 'Warning', EventReason.RayServiceInitializingTimeout, timeoutEvent);
  await writeStatus();

  const now = ctx.clock.now();
  const untilDeletion = cleanup.nextDeletionAt !== undefined ? cleanup.nextDeletionAt - now : Infinity;
  return { requeueAfterMs: Math.max(1, Math.min(env.requeueMs, untilDeletion)) };
}

// ---------------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------------

/** cleanUpServeConfigCache: forget configs of clusters that are neither active nor pending. */
export function cleanUpServeConfigCache(env: RayServiceEnv, svc: RayService): void {
  const m = env.memory.serveConfigs.get(key(svc.metadata.namespace, svc.metadata.name));
  if (!m) return;
  const keep = [svc.status?.activeServiceStatus?.rayClusterName, svc.status?.pendingServiceStatus?.rayClusterName];
  for (const cluster of [...m.keys()]) if (!keep.includes(cluster)) m.delete(cluster);
}

export interface CleanupResult {
  /** Clusters of this RayService that are neither active nor pending still exist. */
  hasClustersToClean: boolean;
  /** The earliest scheduled deletion still ahead. */
  nextDeletionAt?: number;
}

/**
 * cleanUpRayClusterInstance: a cluster of this RayService (by the originated-from labels) that is
 * neither active nor pending is scheduled for deletion rayClusterDeletionDelaySeconds after it is
 * first seen dangling, and deleted once that time has passed (at once when the RayService is
 * being deleted).
 */
export async function cleanUpRayClusters(ctx: ReconcileContext, env: RayServiceEnv, svc: RayService): Promise<CleanupResult> {
  const ns = svc.metadata.namespace;
  const clusters = ctx.cache.list<RayCluster>(RAY_CLUSTER, { namespace: ns, labels: rayServiceAssociationLabels(svc) });
  const deleting = !!svc.metadata.deletionTimestamp;
  const delayMs = deleting ? 0 : rayClusterDeletionDelaySeconds(svc.spec) * 1000;
  const active = svc.status?.activeServiceStatus?.rayClusterName;
  const pending = svc.status?.pendingServiceStatus?.rayClusterName;
  const now = ctx.clock.now();
  const out: CleanupResult = { hasClustersToClean: false };
  const owner = key(ns, svc.metadata.name);
  const present = new Set<string>();
  for (const c of clusters) {
    const name = c.metadata.name!;
    const k = key(ns, name);
    present.add(k);
    if (!deleting && (name === active || name === pending)) {
      env.memory.deletions.delete(k);
      continue;
    }
    out.hasClustersToClean = true;
    if (!deleting) {
      let at = env.memory.deletions.get(k)?.at;
      if (at === undefined) {
        at = now + delayMs;
        env.memory.deletions.set(k, { at, rayService: owner });
        ctx.log.info('scheduled dangling RayCluster for deletion', { rayCluster: name, deletionDelayMs: delayMs });
      }
      if (now < at) {
        out.nextDeletionAt = Math.min(out.nextDeletionAt ?? Infinity, at);
        continue;
      }
    }
    if (c.metadata.deletionTimestamp) continue;
    try {
      await ctx.client.delete(RAY_CLUSTER, name, ns, { propagationPolicy: 'Background' });
    } catch (e) {
      if (isApiError(e, 'NotFound')) continue;
      ctx.recorder.event(svc, 'Warning', EventReason.FailedToDeleteRayCluster, `Failed to delete the RayCluster ${k}: ${(e as Error).message}`);
      throw e;
    }
    ctx.log.info('deleted dangling RayCluster', { rayCluster: name });
    ctx.recorder.event(svc, 'Normal', EventReason.DeletedRayCluster, `Deleted the RayCluster ${k}`);
  }
  // Clusters that are gone need no timestamp any more (KubeRay keeps them forever).
  for (const [k, d] of [...env.memory.deletions]) if (d.rayService === owner && !present.has(k)) env.memory.deletions.delete(k);
  return out;
}

/**
 * handleSuspend: spec.suspend moves the RayService to Suspending (status reset, committed first),
 * then deletes its clusters and services, then Suspended; spec.suspend=false afterwards resumes.
 * Returns a Result when the suspend machinery owns this reconcile, undefined to carry on.
 */
export async function handleSuspend(ctx: ReconcileContext, env: RayServiceEnv, svc: RayService, nowIso: string): Promise<Result | undefined> {
  const conds = svc.status?.conditions;
  const suspending = isConditionTrue(conds, 'Suspending');
  const suspended = isConditionTrue(conds, 'Suspended');
  const st = (svc.status ??= {});
  if (suspended) {
    if (svc.spec.suspend) return {};
    st.observedGeneration = svc.metadata.generation;
    setServiceCondition(svc, 'Suspended', 'False', 'RayServiceResumed', 'Spec.Suspend is false; RayService has resumed.', nowIso);
    // Remove, then set: a fresh transition time re-arms the initializing timeout.
    removeCondition(st.conditions!, 'Ready');
    setServiceCondition(svc, 'Ready', 'False', 'Initializing', 'RayService is initializing after resuming from suspend.', nowIso);
    removeCondition(st.conditions!, 'UpgradeInProgress');
    setServiceCondition(svc, 'UpgradeInProgress', 'False', 'Initializing', 'RayService is initializing after resuming from suspend.', nowIso);
    return undefined;
  }
  if (!suspending) {
    if (!svc.spec.suspend) return undefined;
    st.observedGeneration = svc.metadata.generation;
    setServiceCondition(svc, 'Suspending', 'True', 'SuspendRequested', 'Spec.Suspend is true; will delete all Kubernetes resources owned by this RayService.', nowIso);
    setServiceCondition(svc, 'Ready', 'False', 'SuspendInProgress', 'RayService is suspending.', nowIso);
    setServiceCondition(svc, 'UpgradeInProgress', 'False', 'SuspendInProgress', 'No upgrade in progress.', nowIso);
    setServiceCondition(svc, 'RollbackInProgress', 'False', 'SuspendInProgress', 'No rollback in progress.', nowIso);
    st.activeServiceStatus = {};
    st.pendingServiceStatus = {};
    st.numServeEndpoints = 0;
    delete st.serviceStatus;
    return { requeueAfterMs: env.requeueMs };
  }
  // Suspending is committed: delete everything this RayService owns, whatever spec.suspend says now.
  if (!(await deleteOwnedResources(ctx, svc))) {
    setServiceCondition(svc, 'Suspending', 'True', 'SuspendInProgress', 'Waiting for all Kubernetes resources owned by this RayService to be deleted.', nowIso);
    return { requeueAfterMs: env.requeueMs };
  }
  setServiceCondition(svc, 'Suspending', 'False', 'SuspendComplete', 'All owned resources have been deleted.', nowIso);
  setServiceCondition(svc, 'Suspended', 'True', 'SuspendComplete', 'All owned resources have been deleted.', nowIso);
  setServiceCondition(svc, 'Ready', 'False', 'SuspendComplete', 'RayService is suspended.', nowIso);
  setServiceCondition(svc, 'UpgradeInProgress', 'False', 'SuspendComplete', 'No upgrade in progress.', nowIso);
  setServiceCondition(svc, 'RollbackInProgress', 'False', 'SuspendComplete', 'No rollback in progress.', nowIso);
  return { requeueAfterMs: env.requeueMs };
}

/** deleteRayServiceOwnedResources: true when nothing was left to delete. */
async function deleteOwnedResources(ctx: ReconcileContext, svc: RayService): Promise<boolean> {
  const ns = svc.metadata.namespace;
  const labels = rayServiceAssociationLabels(svc);
  let allDeleted = true;
  for (const [id, what] of [
    [RAY_CLUSTER, 'RayCluster'],
    [SERVICE, 'Service'],
  ] as const) {
    for (const o of ctx.cache.list(id, { namespace: ns, labels })) {
      allDeleted = false;
      if (o.metadata.deletionTimestamp) continue;
      try {
        await ctx.client.delete(id, o.metadata.name!, ns, { propagationPolicy: 'Background' });
      } catch (e) {
        if (isApiError(e, 'NotFound')) continue;
        const reason = what === 'RayCluster' ? EventReason.FailedToDeleteRayCluster : EventReason.FailedToDeleteService;
        ctx.recorder.event(svc, 'Warning', reason, `Failed to delete the ${what} ${nsName(o)} during suspend: ${(e as Error).message}`);
        throw e;
      }
      const reason = what === 'RayCluster' ? EventReason.DeletedRayCluster : EventReason.DeletedService;
      ctx.recorder.event(svc, 'Normal', reason, `Deleted the ${what} ${nsName(o)} during suspend`);
    }
  }
  return allDeleted;
}

export interface ClusterPair {
  active?: RayCluster;
  pending?: RayCluster;
}

/**
 * reconcileRayCluster: the active and pending clusters named in status; creates the pending one
 * when it is named but missing; updates either in place when only worker groups were appended.
 */
export async function reconcileRayClusters(ctx: ReconcileContext, _env: RayServiceEnv, svc: RayService): Promise<ClusterPair> {
  const ns = svc.metadata.namespace;
  const get = (name: string | undefined): RayCluster | undefined => {
    if (!name) return undefined;
    const c = ctx.cache.get<RayCluster>(RAY_CLUSTER, name, ns);
    return c && !c.metadata.deletionTimestamp ? c : undefined;
  };
  const activeName = svc.status?.activeServiceStatus?.rayClusterName;
  const pendingName = svc.status?.pendingServiceStatus?.rayClusterName;
  let active = get(activeName);
  let pending = get(pendingName);
  if (pendingName && !pending) {
    pending = await createCluster(ctx, svc, pendingName);
    return { active, pending };
  }
  if (shouldUpdateCluster(svc, active, true)) active = await updateCluster(ctx, svc, active!, 'active');
  if (shouldUpdateCluster(svc, pending, false)) pending = await updateCluster(ctx, svc, pending!, 'pending');
  return { active, pending };
}

async function createCluster(ctx: ReconcileContext, svc: RayService, name: string): Promise<RayCluster> {
  const cluster = buildRayClusterForRayService(svc, name);
  try {
    const created = await ctx.client.create(cluster);
    ctx.log.info('created RayCluster for RayService', { rayCluster: name });
    ctx.recorder.event(svc, 'Normal', EventReason.CreatedRayCluster, `Created the RayCluster ${nsName(cluster)}`);
    return created;
  } catch (e) {
    // Created by an earlier reconcile whose cluster the cache has not seen yet.
    if (isApiError(e, 'AlreadyExists')) return ctx.client.get<RayCluster>(RAY_CLUSTER, name, svc.metadata.namespace);
    ctx.recorder.event(svc, 'Warning', EventReason.FailedToCreateRayCluster, `Failed to create the RayCluster ${nsName(cluster)}: ${(e as Error).message}`);
    throw e;
  }
}

async function updateCluster(ctx: ReconcileContext, svc: RayService, current: RayCluster, which: 'active' | 'pending'): Promise<RayCluster> {
  const next = modifyRayCluster(current, buildRayClusterForRayService(svc, current.metadata.name!));
  try {
    const updated = await ctx.client.update(next);
    ctx.recorder.event(svc, 'Normal', EventReason.UpdatedRayCluster, `Updated the ${which} RayCluster ${nsName(current)}`);
    return updated;
  } catch (e) {
    ctx.recorder.event(svc, 'Warning', EventReason.FailedToUpdateRayCluster, `Failed to update the ${which} RayCluster ${nsName(current)}: ${(e as Error).message}`);
    throw e;
  }
}

/** HeadPodReady on the cluster; a cluster without conditions: its head pod Running and Ready. */
export function isHeadReady(ctx: ReconcileContext, cluster: RayCluster): boolean {
  const conds = cluster.status?.conditions;
  if (conds && conds.length > 0) return isConditionTrue(conds, 'HeadPodReady');
  const heads = ctx.cache.list<Pod>(POD, {
    namespace: cluster.metadata.namespace,
    labels: { [RAY_CLUSTER_LABEL_KEY]: cluster.metadata.name!, [RAY_NODE_TYPE_LABEL_KEY]: 'head' },
  });
  return heads.length === 1 && isRunningAndReady(heads[0]!);
}

/**
 * reconcileServe: once the head is ready, read the Serve applications from the dashboard and
 * (re)submit serveConfigV2 when needed. Ready means every application is RUNNING — on the
 * statuses read before a submission, and never in the round that submitted (the new config is
 * only DEPLOYING). 'error': the dashboard failed (the reconcile stops and requeues, as KubeRay's).
 */
export async function reconcileServe(ctx: ReconcileContext, env: RayServiceEnv, svc: RayService, cluster: RayCluster): Promise<ServeStatus | 'error'> {
  if (!isHeadReady(ctx, cluster)) return { ready: false, apps: {} };
  const ns = cluster.metadata.namespace ?? 'default';
  const clusterName = cluster.metadata.name!;
  const client = env.dashboards(cluster, dashboardUrl(clusterName, ns, headDashboardPort(cluster.spec)));
  let status: ServeStatus;
  try {
    status = serveStatusFromDetails(await client.getServeDetails());
  } catch (e) {
    ctx.log.info('failed to get Serve application statuses', { rayCluster: clusterName, error: (e as Error).message });
    return 'error';
  }
  const config = svc.spec.serveConfigV2 ?? '';
  if (config.trim() === '') return status;
  const cached = env.memory.serveConfig(svc.metadata.namespace ?? '', svc.metadata.name!, clusterName);
  const decision = checkIfNeedSubmitServeApplications(cached, config, status.apps);
  if (!decision.submit) return status;
  ctx.log.info('submitting Serve applications', { rayCluster: clusterName, reason: decision.reason });
  try {
    await client.updateServeApplications(parseServeConfig(config));
  } catch (e) {
    ctx.recorder.event(
      svc,
      'Warning',
      EventReason.FailedToUpdateServeApplications,
      `Failed to update serve applications to the RayCluster ${ns}/${clusterName}: ${(e as Error).message}`,
    );
    return 'error';
  }
  env.memory.cacheServeConfig(svc.metadata.namespace ?? '', svc.metadata.name!, clusterName, config);
  ctx.recorder.event(svc, 'Normal', EventReason.UpdatedServeApplications, `Updated serve applications to the RayCluster ${ns}/${clusterName}`);
  return { ready: false, apps: status.apps };
}

/**
 * updateHeadPodServeLabel, extended to workers: brings the ray.io/serve label of every pod of the
 * cluster to desiredServeLabel (serve-endpoints.ts). Returns the cluster's pods as they are after
 * the writes.
 */
export async function reconcileServeLabels(ctx: ReconcileContext, env: RayServiceEnv, svc: RayService, cluster: RayCluster): Promise<Pod[]> {
  const ns = cluster.metadata.namespace;
  const clusterName = cluster.metadata.name!;
  const serveStarted = env.memory.serveConfig(svc.metadata.namespace ?? '', svc.metadata.name!, clusterName) !== undefined;
  const excludeHead = svc.spec.excludeHeadPodFromServeSvc === true;
  const out: Pod[] = [];
  for (const pod of ctx.cache.list<Pod>(POD, { namespace: ns, labels: { [RAY_CLUSTER_LABEL_KEY]: clusterName } })) {
    const want = desiredServeLabel(pod, { excludeHead, serveStarted });
    if (want === undefined || want === pod.metadata.labels?.[RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY]) {
      out.push(pod);
      continue;
    }
    const isHead = pod.metadata.labels?.[RAY_NODE_TYPE_LABEL_KEY] === 'head';
    try {
      const patched = await ctx.client.patch<Pod>(POD, pod.metadata.name!, ns, { metadata: { labels: { [RAY_CLUSTER_SERVING_SERVICE_LABEL_KEY]: want } } }, 'merge');
      out.push(patched);
      if (isHead) ctx.recorder.event(svc, 'Normal', EventReason.UpdatedHeadPodServeLabel, `Updated the serve label to "${want}" for the Head Pod ${nsName(pod)}`);
    } catch (e) {
      if (isApiError(e, 'NotFound')) continue;
      if (isHead) ctx.recorder.event(svc, 'Warning', EventReason.FailedToUpdateHeadPodServeLabel, `Failed to update the serve label to "${want}" for the Head Pod ${nsName(pod)}: ${(e as Error).message}`);
      throw e;
    }
  }
  return out;
}

function podsOf(ctx: ReconcileContext, pods: Map<string, Pod[]>, namespace: string | undefined, cluster: string): Pod[] {
  return pods.get(cluster) ?? ctx.cache.list<Pod>(POD, { namespace, labels: { [RAY_CLUSTER_LABEL_KEY]: cluster } });
}

/**
 * Which cluster the services should point at: the pending cluster once its applications are all
 * RUNNING, else the active one when it serves. A switch away from a cluster that has ready serve
 * endpoints waits until the new cluster has one too (raysim's zero-downtime guard; KubeRay
 * switches on RUNNING alone and relies on its readiness probes).
 */
export function pickServingCluster(
  ctx: ReconcileContext,
  svc: RayService,
  active: RayCluster | undefined,
  pending: RayCluster | undefined,
  activeServe: ServeStatus | undefined,
  pendingServe: ServeStatus | undefined,
  pods: Map<string, Pod[]>,
): RayCluster | undefined {
  const target = pendingServe?.ready ? pending : activeServe?.ready ? active : undefined;
  if (!target) return undefined;
  const ns = svc.metadata.namespace;
  const existing = ctx.cache.get<Service>(SERVICE, serveServiceNameFor(svc), ns);
  const current = existing?.spec?.selector?.[RAY_CLUSTER_LABEL_KEY];
  const targetName = target.metadata.name!;
  if (!existing || current === undefined || current === targetName) return target;
  const servingNow = countEndpoints(podsOf(ctx, pods, ns, current), existing.spec?.selector);
  const servingNext = countEndpoints(podsOf(ctx, pods, ns, targetName), serveSelector(targetName));
  if (servingNow > 0 && servingNext === 0) {
    ctx.log.info('not switching the serve service yet: the new cluster has no ready serve endpoint', { from: current, to: targetName });
    return undefined;
  }
  return target;
}

export interface ServicePair {
  head: Service;
  serve: Service;
}

/** reconcileServicesToReadyCluster: head service, then serve service, each created or switched to `cluster`. */
export async function reconcileServices(ctx: ReconcileContext, env: RayServiceEnv, svc: RayService, cluster: RayCluster): Promise<ServicePair> {
  const serveDesired = buildServeServiceForRayService(svc, cluster); // throws before anything is written
  const head = await reconcileService(ctx, svc, buildHeadServiceForRayService(svc, cluster, { headClusterIPService: env.headClusterIPService }));
  const serve = await reconcileService(ctx, svc, serveDesired);
  return { head, serve };
}

/** reconcileServices: create the service, or point the existing one at the desired cluster (keeping its cluster IP). */
async function reconcileService(ctx: ReconcileContext, svc: RayService, desired: Service): Promise<Service> {
  const ns = svc.metadata.namespace;
  const name = desired.metadata.name!;
  let existing = ctx.cache.get<Service>(SERVICE, name, ns);
  if (!existing) {
    desired.metadata.ownerReferences = [rayServiceOwnerReference(svc)];
    try {
      const created = await ctx.client.create(desired);
      ctx.recorder.event(svc, 'Normal', EventReason.CreatedService, `Created the service ${ns}/${name}`);
      return created;
    } catch (e) {
      if (!isApiError(e, 'AlreadyExists')) {
        ctx.recorder.event(svc, 'Warning', EventReason.FailedToCreateService, `Failed to create the service ${ns}/${name}, ${(e as Error).message}`);
        throw e;
      }
      existing = await ctx.client.get<Service>(SERVICE, name, ns);
    }
  }
  const want = desired.spec?.selector?.[RAY_CLUSTER_LABEL_KEY];
  if (existing.spec?.selector?.[RAY_CLUSTER_LABEL_KEY] === want) return existing;
  const next = deepClone(existing) as Service;
  const spec = deepClone(desired.spec ?? {});
  if (existing.spec?.clusterIP !== undefined) spec.clusterIP = existing.spec.clusterIP;
  if (existing.spec?.clusterIPs !== undefined) spec.clusterIPs = [...existing.spec.clusterIPs];
  next.spec = spec;
  try {
    const updated = await ctx.client.update(next);
    ctx.log.info('switched service', { service: name, rayCluster: want });
    ctx.recorder.event(svc, 'Normal', EventReason.UpdatedService, `Updated the service ${ns}/${name}`);
    return updated;
  } catch (e) {
    ctx.recorder.event(svc, 'Warning', EventReason.FailedToUpdateService, `Failed to update the service ${ns}/${name}, ${(e as Error).message}`);
    throw e;
  }
}

export interface StatusInputs extends ClusterPair {
  activeServe?: ServeStatus;
  pendingServe?: ServeStatus;
  services?: ServicePair;
  /** Pods of the active and pending clusters after this reconcile's label writes. */
  pods: Map<string, Pod[]>;
}

/**
 * calculateStatus, on svc.status in place: cluster and application statuses, promotion of the
 * pending cluster once the services point at it, a new pending cluster name when the spec asks
 * for one, serve endpoints, conditions, serviceStatus. Returns the initializing-timeout event
 * message when the timeout fired.
 */
export function calculateStatus(ctx: ReconcileContext, env: RayServiceEnv, svc: RayService, in_: StatusInputs): string | undefined {
  const nowMs = ctx.clock.now();
  const nowIso = rfc3339(nowMs);
  const st = (svc.status ??= {});
  st.observedGeneration = svc.metadata.generation;
  const activeSt = (st.activeServiceStatus ??= {});
  const pendingSt = (st.pendingServiceStatus ??= {});
  const copyCluster = (s: typeof activeSt, c: RayCluster | undefined) => {
    if (c?.status) s.rayClusterStatus = deepClone(c.status);
    else delete s.rayClusterStatus;
  };
  copyCluster(activeSt, in_.active);
  copyCluster(pendingSt, in_.pending);
  const setApps = (s: typeof activeSt, serve: ServeStatus | undefined) => {
    if (serve && Object.keys(serve.apps).length > 0) s.applicationStatuses = deepClone(serve.apps);
    else delete s.applicationStatuses;
  };
  setApps(activeSt, in_.activeServe);
  setApps(pendingSt, in_.pendingServe);

  let isPendingClusterServing = false;
  if (in_.services) {
    const pointsTo = in_.services.serve.spec?.selector?.[RAY_CLUSTER_LABEL_KEY] ?? '';
    const headPointsTo = in_.services.head.spec?.selector?.[RAY_CLUSTER_LABEL_KEY] ?? '';
    if (pointsTo !== headPointsTo) ctx.log.warn('head and serve services select different clusters', { head: headPointsTo, serve: pointsTo });
    const pendingName = pendingSt.rayClusterName ?? '';
    // Blue/green: the pending cluster is promoted once the services point at it.
    if (pendingName !== '' && pointsTo === pendingName && (activeSt.rayClusterName ?? '') !== pointsTo) {
      ctx.log.info('promoting pending cluster to active', { oldCluster: activeSt.rayClusterName ?? '', newCluster: pendingName });
      st.activeServiceStatus = st.pendingServiceStatus;
      st.pendingServiceStatus = {};
    }
    isPendingClusterServing = pointsTo === pendingName && pendingName !== '';
  }

  if (shouldPrepareNewCluster(svc, in_.active, in_.pending, isPendingClusterServing, env.prepare)) {
    st.pendingServiceStatus = { rayClusterName: generatedClusterName(svc.metadata.name!, ctx.rng) };
    ctx.log.info('preparing a new pending RayCluster', { rayCluster: st.pendingServiceStatus.rayClusterName });
  }

  // Serve endpoints: pods the serve service selects that are Running, Ready and not terminating.
  const ns = svc.metadata.namespace;
  const serveSvc = in_.services?.serve ?? ctx.cache.get<Service>(SERVICE, serveServiceNameFor(svc), ns);
  const selector = serveSvc?.metadata.deletionTimestamp ? undefined : serveSvc?.spec?.selector;
  const selected = selector?.[RAY_CLUSTER_LABEL_KEY];
  st.numServeEndpoints = selected ? countEndpoints(podsOf(ctx, in_.pods, ns, selected), selector) : 0;

  const timeoutEvent = calculateConditions(svc, nowMs, nowIso);
  if (isConditionTrue(st.conditions, 'Ready')) st.serviceStatus = 'Running';
  else delete st.serviceStatus;
  return timeoutEvent;
}
