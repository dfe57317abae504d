// Which pods and services belong to a RayCluster, as label sets (KubeRay's common/association.go):
// every lookup the RayCluster controller makes goes through one of these, so the selectors stay
// the same everywhere. Each returns fresh objects usable as CacheListOptions.

import type { CacheListOptions } from '../../runtime/reconciler.js';
import type { RayCluster } from '../../api/raycluster-types.js';
import {
  RAY_CLUSTER_HEADLESS_SERVICE_LABEL_KEY,
  RAY_CLUSTER_LABEL_KEY,
  RAY_ID_LABEL_KEY,
  RAY_NODE_GROUP_LABEL_KEY,
  RAY_NODE_TYPE_LABEL_KEY,
} from '../../api/constants.js';
import { rayNodeIdentifier } from './names.js';

function inNamespace(cluster: RayCluster, labels: Record<string, string>): CacheListOptions {
  return { namespace: cluster.metadata.namespace, labels };
}

/** Every Ray pod of the cluster (head and workers). */
export function clusterPodsSelector(cluster: RayCluster): CacheListOptions {
  return inNamespace(cluster, { [RAY_CLUSTER_LABEL_KEY]: cluster.metadata.name! });
}

export function headPodsSelector(cluster: RayCluster): CacheListOptions {
  return inNamespace(cluster, { [RAY_CLUSTER_LABEL_KEY]: cluster.metadata.name!, [RAY_NODE_TYPE_LABEL_KEY]: 'head' });
}

export function workerPodsSelector(cluster: RayCluster): CacheListOptions {
  return inNamespace(cluster, { [RAY_CLUSTER_LABEL_KEY]: cluster.metadata.name!, [RAY_NODE_TYPE_LABEL_KEY]: 'worker' });
}

/** Pods of one worker group (by ray.io/group, as upstream: a group named "headgroup" would match the head). */
export function groupPodsSelector(cluster: RayCluster, group: string): CacheListOptions {
  return inNamespace(cluster, { [RAY_CLUSTER_LABEL_KEY]: cluster.metadata.name!, [RAY_NODE_GROUP_LABEL_KEY]: group });
}

/** The head service: ray.io/cluster, ray.io/node-type=head and ray.io/identifier=<cluster>-head. */
export function headServiceSelector(cluster: RayCluster): CacheListOptions {
  const name = cluster.metadata.name!;
  return inNamespace(cluster, {
    [RAY_CLUSTER_LABEL_KEY]: name,
    [RAY_NODE_TYPE_LABEL_KEY]: 'head',
    [RAY_ID_LABEL_KEY]: rayNodeIdentifier(name, 'head'),
  });
}

/** The headless service of multi-host worker groups. */
export function headlessServiceSelector(cluster: RayCluster): CacheListOptions {
  return inNamespace(cluster, { [RAY_CLUSTER_HEADLESS_SERVICE_LABEL_KEY]: cluster.metadata.name! });
}
