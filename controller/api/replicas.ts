// How many worker pods a RayCluster wants (KubeRay's GetWorkerGroupDesiredReplicas and
// CalculateDesired/Min/MaxReplicas): desired pods of a group = suspended ? 0 :
// clamp(replicas, minReplicas, maxReplicas) * numOfHosts. Unset fields take their CRD defaults.

import type { RayClusterSpec, WorkerGroupSpec } from './raycluster-types.js';
import { DEFAULT_MAX_REPLICAS, DEFAULT_MIN_REPLICAS, DEFAULT_NUM_OF_HOSTS, MAX_INT32 } from './defaults.js';

/** Replicas (not pods) a group wants: replicas clamped to [min, max]; unset or below min -> min. */
export function workerGroupReplicas(group: WorkerGroupSpec): number {
  if (group.suspend === true) return 0;
  const min = group.minReplicas ?? DEFAULT_MIN_REPLICAS;
  const max = group.maxReplicas ?? DEFAULT_MAX_REPLICAS;
  const r = group.replicas;
  if (r === undefined || r === null || r < min) return min;
  if (r > max) return max;
  return r;
}

/** Pods a group wants: workerGroupReplicas * numOfHosts. */
export function workerGroupDesiredPods(group: WorkerGroupSpec): number {
  return workerGroupReplicas(group) * (group.numOfHosts ?? DEFAULT_NUM_OF_HOSTS);
}

/** status.desiredWorkerReplicas. */
export function desiredWorkerReplicas(spec: RayClusterSpec): number {
  return (spec.workerGroupSpecs ?? []).reduce((n, g) => n + workerGroupDesiredPods(g), 0);
}

/** status.minWorkerReplicas (suspended groups count 0). */
export function minWorkerReplicas(spec: RayClusterSpec): number {
  let n = 0;
  for (const g of spec.workerGroupSpecs ?? []) {
    if (g.suspend === true) continue;
    n += (g.minReplicas ?? DEFAULT_MIN_REPLICAS) * (g.numOfHosts ?? DEFAULT_NUM_OF_HOSTS);
  }
  return n;
}

/** status.maxWorkerReplicas, capped at MaxInt32 (suspended groups count 0). */
export function maxWorkerReplicas(spec: RayClusterSpec): number {
  let n = 0;
  for (const g of spec.workerGroupSpecs ?? []) {
    if (g.suspend === true) continue;
    n += (g.maxReplicas ?? DEFAULT_MAX_REPLICAS) * (g.numOfHosts ?? DEFAULT_NUM_OF_HOSTS);
  }
  return Math.min(n, MAX_INT32);
}
