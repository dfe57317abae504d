// The RayService's RayClusters: what one looks like (constructRayClusterForRayService), when the
// active or pending cluster is updated in place (shouldUpdateCluster), and when a new pending
// cluster is prepared (shouldPrepareNewCluster). Pure: decisions over objects, no API calls.

import type { RayCluster, RayService, RayServiceSpec } from '../../api/types.js';
import {
  CRDType,
  HASH_WITHOUT_REPLICAS_AND_WORKERS_TO_DELETE_KEY,
  KUBERAY_VERSION,
  KUBERAY_VERSION_KEY,
  NUM_WORKER_GROUPS_KEY,
  RAY_API_VERSION,
  RAY_ORIGINATED_FROM_CRD_LABEL_KEY,
  RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY,
} from '../../api/constants.js';
import type { OwnerReference } from '../../runtime/kube-object.js';
import { isConditionTrue } from '../common/conditions.js';
import { controllerRef } from '../common/service.js';
import { isClusterSpecHashEqual, rayServiceClusterHash } from './cluster-hash.js';
import { deepClone } from '../../runtime/deep-copy.js';

/** Labels that tie a RayCluster (and the RayService's services) to its RayService. */
export function rayServiceAssociationLabels(svc: RayService): Record<string, string> {
  return { [RAY_ORIGINATED_FROM_CR_NAME_LABEL_KEY]: svc.metadata.name ?? '', [RAY_ORIGINATED_FROM_CRD_LABEL_KEY]: CRDType.RayService };
}

/** A controller ownerReference to the RayService. */
export function rayServiceOwnerReference(svc: RayService): OwnerReference {
  return controllerRef({ apiVersion: svc.apiVersion ?? RAY_API_VERSION, kind: 'RayService', metadata: svc.metadata });
}

/**
 * constructRayClusterForRayService: the RayService's labels plus ray.io/originated-from-cr-name
 * and -crd=RayService; its annotations plus the spec hash, the number of worker groups and the
 * KubeRay version; a copy of spec.rayClusterConfig; a controller ownerReference.
 */
export function buildRayClusterForRayService(svc: RayService, clusterName: string): RayCluster {
  const annotations: Record<string, string> = { ...svc.metadata.annotations };
  annotations[HASH_WITHOUT_REPLICAS_AND_WORKERS_TO_DELETE_KEY] = rayServiceClusterHash(svc);
  annotations[NUM_WORKER_GROUPS_KEY] = String(svc.spec.rayClusterConfig.workerGroupSpecs?.length ?? 0);
  annotations[KUBERAY_VERSION_KEY] = KUBERAY_VERSION;
  return {
    apiVersion: RAY_API_VERSION,
    kind: 'RayCluster',
    metadata: {
      name: clusterName,
      namespace: svc.metadata.namespace,
      labels: { ...svc.metadata.labels, ...rayServiceAssociationLabels(svc) },
      annotations,
      ownerReferences: [rayServiceOwnerReference(svc)],
    },
    spec: deepClone(svc.spec.rayClusterConfig),
  };
}

/**
 * modifyRayCluster: the cached cluster (copied) with the goal's spec, labels and annotations;
 * spec.suspend is kept (after creation it belongs to Kueue or whoever queues the cluster).
 */
export function modifyRayCluster(current: RayCluster, goal: RayCluster): RayCluster {
  if (current.metadata.name !== goal.metadata.name || current.metadata.namespace !== goal.metadata.namespace) {
    throw new Error(`modifyRayCluster: ${current.metadata.namespace}/${current.metadata.name} is not ${goal.metadata.namespace}/${goal.metadata.name}`);
  }
  const next = deepClone(current);
  const suspend = current.spec.suspend;
  next.spec = deepClone(goal.spec);
  if (suspend === undefined) delete next.spec.suspend;
  else next.spec.suspend = suspend;
  next.metadata.labels = { ...goal.metadata.labels };
  next.metadata.annotations = { ...goal.metadata.annotations };
  return next;
}

/**
 * shouldUpdateCluster: update a cluster in place when its spec differs from the RayService's only
 * by worker groups appended at the end (replica counts never count). The active cluster is left
 * alone while an upgrade is in progress, and is refreshed when another KubeRay version made it.
 */
export function shouldUpdateCluster(svc: RayService, cluster: RayCluster | undefined, isActive: boolean): boolean {
  if (!cluster) return false;
  if (isActive) {
    if (isConditionTrue(svc.status?.conditions, 'UpgradeInProgress')) return false;
    if (cluster.metadata.annotations?.[KUBERAY_VERSION_KEY] !== KUBERAY_VERSION) return true;
  }
  if (isClusterSpecHashEqual(svc, cluster, false)) return false;
  return isClusterSpecHashEqual(svc, cluster, true);
}

/**
 * isZeroDowntimeUpgradeEnabled: upgradeStrategy.type NewCluster or NewClusterWithIncrementalUpgrade
 * (the latter only with the RayServiceIncrementalUpgrade gate) enables it, any other type
 * disables it; unset, the operator's ENABLE_ZERO_DOWNTIME setting decides (default on).
 */
export function isZeroDowntimeUpgradeEnabled(spec: RayServiceSpec, opts: { enableZeroDowntime?: boolean; incrementalUpgradeGate?: boolean } = {}): boolean {
  const type = spec.upgradeStrategy?.type;
  if (type !== undefined && type !== null) {
    if (type === 'NewCluster') return true;
    return type === 'NewClusterWithIncrementalUpgrade' && opts.incrementalUpgradeGate !== false;
  }
  return opts.enableZeroDowntime !== false;
}

export interface PrepareOptions {
  enableZeroDowntime?: boolean;
  incrementalUpgradeGate?: boolean;
}

/**
 * shouldPrepareNewCluster: a new pending cluster is needed when the RayService has none yet, or
 * when its cluster spec changed beyond appended worker groups (compared with the pending cluster
 * if there is one, else the active one) and zero-downtime upgrades are on. Never while the
 * services already point at the pending cluster, nor during a rollback.
 */
export function shouldPrepareNewCluster(
  svc: RayService,
  active: RayCluster | undefined,
  pending: RayCluster | undefined,
  isPendingClusterServing: boolean,
  opts: PrepareOptions = {},
): boolean {
  if (isPendingClusterServing) return false;
  if (isConditionTrue(svc.status?.conditions, 'RollbackInProgress')) return false;
  if (!active && !pending) return true;
  const cluster = (pending ?? active)!;
  if (isClusterSpecHashEqual(svc, cluster, false)) return false;
  if (isClusterSpecHashEqual(svc, cluster, true)) return false;
  return isZeroDowntimeUpgradeEnabled(svc.spec, opts);
}
