// Which RayService spec changes need a new RayCluster: KubeRay hashes the cluster spec with the
// fields that must not trigger one muted (replicas, min/max replicas, workersToDelete — the
// autoscaler changes them —, tolerations and scheduling gates — Kueue injects them —, the
// cluster upgradeStrategy, suspend) and stores the hash in the cluster's
// ray.io/hash-without-replicas-and-workers-to-delete annotation, next to
// ray.io/num-worker-groups. A spec whose hash matches is the same cluster; one whose first
// `num-worker-groups` groups hash the same only appended worker groups (updated in place).
//
// The hash itself (and why raysim's values differ from KubeRay's) is in controller/ray/common/hash.ts.

import type { RayCluster, RayClusterSpec, RayService } from '../../api/types.js';
import { HASH_WITHOUT_REPLICAS_AND_WORKERS_TO_DELETE_KEY, NUM_WORKER_GROUPS_KEY } from '../../api/constants.js';
import { hashWithoutReplicasAndWorkersToDelete } from '../common/hash.js';
import { deepClone } from '../../runtime/deep-copy.js';

/** rayClusterSpecForHashing: a copy of the RayService's cluster spec without suspend (propagated only at creation). */
export function rayClusterSpecForHashing(svc: RayService): RayClusterSpec {
  const spec = deepClone(svc.spec.rayClusterConfig);
  delete spec.suspend;
  return spec;
}

/** The hash annotation a cluster for this RayService carries. */
export function rayServiceClusterHash(svc: RayService): string {
  return hashWithoutReplicasAndWorkersToDelete(rayClusterSpecForHashing(svc));
}

/**
 * isClusterSpecHashEqual: whether the cluster was made from this RayService's cluster spec.
 * `partial`: compare only the first ray.io/num-worker-groups worker groups of the RayService, so
 * worker groups appended at the end still count as equal. With fewer groups in the RayService than
 * in the cluster it is not equal; without a readable annotation it is (KubeRay's choice: such a
 * cluster is updated in place rather than replaced).
 */
export function isClusterSpecHashEqual(svc: RayService, cluster: RayCluster, partial: boolean): boolean {
  const clusterHash = cluster.metadata.annotations?.[HASH_WITHOUT_REPLICAS_AND_WORKERS_TO_DELETE_KEY] ?? '';
  const goal = rayClusterSpecForHashing(svc);
  if (!partial) return clusterHash === hashWithoutReplicasAndWorkersToDelete(goal);
  const n = Number(cluster.metadata.annotations?.[NUM_WORKER_GROUPS_KEY]);
  const groups = goal.workerGroupSpecs ?? [];
  if (!Number.isInteger(n) || n < 0 || cluster.metadata.annotations?.[NUM_WORKER_GROUPS_KEY] === '') return true;
  if (groups.length < n) return clusterHash === '';
  goal.workerGroupSpecs = groups.slice(0, n);
  return clusterHash === hashWithoutReplicasAndWorkersToDelete(goal);
}
