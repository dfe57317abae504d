// How the simulated Ray runtime sees a pod: which Ray node of which cluster it is (KubeRay's
// labels), what it offers Ray (container limits, else requests, summed over containers), and
// whether its Ray process is alive (the pod is Running, not being deleted, its Ray container
// running). Pure functions over the pod object.

import { GPU_RESOURCE, RAY_CLUSTER_LABEL_KEY, RAY_CONTAINER_INDEX, RAY_NODE_GROUP_LABEL_KEY, RAY_NODE_TYPE_LABEL_KEY } from '../../controller/api/constants.js';
import type { Pod } from '../../controller/api/types.js';
import { parseQuantity, toMilli } from '../../controller/api/quantity.js';

export type RayNodeType = 'head' | 'worker';

/** A pod's place in a Ray cluster, from its labels. */
export interface RayNodeIdentity {
  namespace: string;
  cluster: string;
  type: RayNodeType;
  /** ray.io/group: "headgroup" for the head, the worker group's name otherwise. */
  group: string;
}

/** What a Ray node offers, in Kubernetes units. */
export interface NodeResources {
  cpuMilli: number;
  memoryBytes: number;
  gpus: number;
}

/** The Ray node a pod is, or undefined for pods that are not head or worker pods of a RayCluster. */
export function rayNodeIdentity(pod: Pod): RayNodeIdentity | undefined {
  const labels = pod.metadata.labels ?? {};
  const cluster = labels[RAY_CLUSTER_LABEL_KEY];
  const type = labels[RAY_NODE_TYPE_LABEL_KEY];
  if (!cluster || (type !== 'head' && type !== 'worker')) return undefined;
  return { namespace: pod.metadata.namespace ?? 'default', cluster, type, group: labels[RAY_NODE_GROUP_LABEL_KEY] ?? (type === 'head' ? 'headgroup' : '') };
}

/** Sum over the pod's containers of each resource's limit, or its request when it has no limit. */
export function podResources(pod: Pod): NodeResources {
  let cpuMilli = 0;
  let memoryBytes = 0;
  let gpus = 0;
  for (const c of pod.spec?.containers ?? []) {
    const lim = c.resources?.limits ?? {};
    const req = c.resources?.requests ?? {};
    const pick = (k: string) => (lim[k] !== undefined ? lim[k] : req[k]);
    cpuMilli += toMilli(pick('cpu'));
    memoryBytes += parseQuantity(pick('memory'));
    gpus += parseQuantity(pick(GPU_RESOURCE));
  }
  return { cpuMilli, memoryBytes, gpus: Math.round(gpus) };
}

/**
 * Whether the pod's Ray process runs: phase Running, no deletionTimestamp (the raylet shuts down on
 * SIGTERM), and the Ray container (the first) not terminated or waiting to restart.
 */
export function rayProcessAlive(pod: Pod): boolean {
  if (pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) return false;
  const name = pod.spec?.containers?.[RAY_CONTAINER_INDEX]?.name;
  const cs = pod.status.containerStatuses?.find((s) => s.name === name);
  if (!cs?.state) return true;
  return cs.state.running !== undefined || (cs.state.terminated === undefined && cs.state.waiting === undefined);
}

/**
 * Identifies one run of the Ray process: the pod's uid and its Ray container's restart count. A
 * restarted container is a new Ray node even if the pod never left Running in any event we saw.
 */
export function rayProcessIncarnation(pod: Pod): string {
  const name = pod.spec?.containers?.[RAY_CONTAINER_INDEX]?.name;
  const cs = pod.status?.containerStatuses?.find((s) => s.name === name);
  return `${pod.metadata.uid ?? pod.metadata.name}#${cs?.restartCount ?? 0}`;
}

/** Cause recorded when a pod's Ray process ends with nothing more specific to say: the pod was deleted. */
export const POD_DELETED_CAUSE = 'pod-deleted';
/** ... or it stopped running without a recorded reason. */
export const POD_STOPPED_CAUSE = 'pod-stopped';

/**
 * Why the pod's Ray process ended: the Ray container's termination reason (the kubelet's, or the
 * fault injector's cause), else the pod's status.reason (Evicted, ...), else "pod-deleted" for a
 * pod being deleted, else the reason of the container's previous run (a restart we saw only
 * afterwards), else "pod-stopped".
 */
export function podStopReason(pod: Pod, deleted = false): string {
  const name = pod.spec?.containers?.[RAY_CONTAINER_INDEX]?.name;
  const cs = pod.status?.containerStatuses?.find((s) => s.name === name);
  return (
    cs?.state?.terminated?.reason ||
    pod.status?.reason ||
    (deleted || pod.metadata.deletionTimestamp ? POD_DELETED_CAUSE : undefined) ||
    cs?.lastState?.terminated?.reason ||
    POD_STOPPED_CAUSE
  );
}
